// The page's stylesheet and script: constants, sent inline with the response's CSP nonce. Nothing
// here is built from data; the script only reads data-* attributes the server rendered (escaped).

export const CSS = `
:root{--bg:#f6f7f9;--fg:#16181d;--muted:#5b6270;--card:#fff;--line:#dde1e7;--ok:#1d7f46;--warn:#a86200;--bad:#b3261e;--info:#2557b8;--bar:#4b74d6;--barerr:#d9534f}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--fg:#e8eaed;--muted:#9aa3ae;--card:#1a1f25;--line:#2c333c;--ok:#4cc27f;--warn:#f0a43a;--bad:#f2726a;--info:#7ea6ff;--bar:#6d93ef;--barerr:#f2726a}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;border-bottom:1px solid var(--line);background:var(--card)}
header h1{font-size:1.1rem;margin:0}
header .meta{color:var(--muted);font-size:.85rem}
main{max-width:1200px;margin:0 auto;padding:1rem;display:grid;grid-template-columns:minmax(0,1fr);gap:1.25rem}
section,.card,.period{min-width:0}
section>h2{font-size:1rem;margin:0 0 .5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.75rem .9rem}
.lanes{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,300px),1fr))}
.lane h3{margin:0;font-size:1rem;display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
.lane .kind{color:var(--muted);font-weight:normal;font-size:.85rem}
.lane p{margin:.35rem 0}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:999px;font-size:.8rem;font-weight:600;border:1px solid currentColor}
.s-ready,.st-ok{color:var(--ok)}.s-cooling,.st-cancelled{color:var(--warn)}.s-needs-login,.s-circuit-open,.st-error{color:var(--bad)}.s-disabled{color:var(--muted)}
.win{display:grid;grid-template-columns:7.5rem minmax(4rem,1fr) auto;gap:.4rem;align-items:center;font-size:.85rem;margin:.25rem 0}
.win meter{width:100%;height:.8rem}
.muted{color:var(--muted)}
.small{font-size:.85rem}
code{font:13px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:.05rem .3rem;overflow-wrap:anywhere}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tfoot td{font-weight:600}
.charts{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,340px),1fr))}
.chart figcaption{font-size:.85rem;margin-bottom:.2rem;display:flex;justify-content:space-between;gap:.5rem}
.chart svg{width:100%;height:64px;display:block}
.chart .b{fill:var(--bar)}.chart .e{fill:var(--barerr)}.chart .axis{stroke:var(--line)}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:.6rem}
form.filters label{display:grid;font-size:.8rem;color:var(--muted);gap:.1rem}
input,select,button{font:inherit;padding:.35rem .5rem;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg);min-width:0}
button{cursor:pointer;background:var(--info);border-color:var(--info);color:#fff}
button.link{background:none;border:none;color:var(--info);padding:0;text-decoration:underline}
a{color:var(--info)}
.log details{border-bottom:1px solid var(--line)}
.log summary{display:flex;flex-wrap:wrap;gap:.2rem .8rem;padding:.4rem .2rem;cursor:pointer;font-size:.88rem;list-style-position:inside}
.log summary .id{color:var(--muted);font-size:.8rem}
.log .body{padding:.2rem .6rem .7rem 1.4rem}
.log dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.3rem 0;font-size:.85rem}
.log dt{color:var(--muted)}.log dd{margin:0;overflow-wrap:anywhere}
.pager{display:flex;gap:1rem;margin-top:.6rem;font-size:.9rem}
.net{font-size:1.05rem;margin:.5rem 0 0}
.pos{color:var(--ok)}.neg{color:var(--bad)}
.note{font-size:.82rem;color:var(--muted);margin:.5rem 0 0}
.notice{border-left:4px solid var(--warn);padding:.4rem .7rem;background:var(--card)}
.signin{max-width:380px;margin:12vh auto;padding:1.2rem}
.signin form{display:grid;gap:.6rem}
.signin .err{color:var(--bad)}
@media (max-width:600px){main{padding:.6rem}.win{grid-template-columns:7rem 1fr}.win .reset{grid-column:2}}
`;

/**
 * Ticks every countdown (elements with data-until, rendered server-side as text too) and, when the
 * body has data-live, polls that URL every few seconds for fresh HTML of the live sections.
 */
export const SCRIPT = `
(function () {
  var skew = Number(document.documentElement.getAttribute("data-now")) - Date.now();
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function duration(ms) {
    var s = Math.max(0, Math.floor(ms / 1000)), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), x = s % 60;
    if (d > 0) return d + "d " + h + "h";
    if (h > 0) return h + "h " + pad(m) + "m";
    if (m > 0) return m + "m " + pad(x) + "s";
    return x + "s";
  }
  function tick() {
    var els = document.querySelectorAll("[data-until]");
    for (var i = 0; i < els.length; i++) {
      var ms = Date.parse(els[i].getAttribute("data-until")) - (Date.now() + skew);
      els[i].textContent = ms > 0 ? "in " + duration(ms) : "now";
    }
  }
  setInterval(tick, 1000);
  var live = document.body.getAttribute("data-live");
  if (!live) return;
  var status = document.getElementById("live-status");
  var busy = false;
  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(live, { headers: { accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) { location.reload(); throw new Error("signed out"); }
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (j) {
        Object.keys(j.sections).forEach(function (id) {
          var el = document.getElementById(id);
          if (!el) return;
          var open = {};
          el.querySelectorAll("details[open][data-id]").forEach(function (d) { open[d.getAttribute("data-id")] = true; });
          el.innerHTML = j.sections[id];
          el.querySelectorAll("details[data-id]").forEach(function (d) { if (open[d.getAttribute("data-id")]) d.open = true; });
        });
        skew = Date.parse(j.generatedAt) - Date.now();
        if (status) status.textContent = "live, updated " + new Date(Date.parse(j.generatedAt)).toISOString().slice(11, 19) + " UTC";
        tick();
      })
      .catch(function (e) { if (status) status.textContent = "live refresh paused (" + e.message + ")"; })
      .then(function () { busy = false; });
  }
  setInterval(poll, Number(document.body.getAttribute("data-every")) || 5000);
})();
`;
