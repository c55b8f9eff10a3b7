// Preload (--require) for the deploy test's client processes: resolves PIN_HOST to PIN_IP, as public
// DNS would resolve the stack's domain to the server; every other name resolves as usual.
const dns = require("node:dns");
const orig = dns.lookup;
dns.lookup = function (host, options, cb) {
  if (typeof options === "function") { cb = options; options = {}; }
  if (host === process.env.PIN_HOST) {
    const ip = process.env.PIN_IP;
    if (options && options.all) return process.nextTick(cb, null, [{ address: ip, family: 4 }]);
    return process.nextTick(cb, null, ip, 4);
  }
  return orig.call(this, host, options, cb);
};
