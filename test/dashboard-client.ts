// A tiny cookie-keeping HTTP client for the dashboard tests (real HTTP, no browser): what a browser
// with JavaScript off would send.

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  setCookies: string[];
}

export class FormClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send(path, { method: "GET", headers });
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(form).toString() });
  }

  /** The sign-in form's CSRF token, from a fresh GET of the form. */
  async signInCsrf(): Promise<string> {
    return csrfOf((await this.get("/dashboard")).text);
  }

  async signIn(key: string, headers: Record<string, string> = {}): Promise<Reply> {
    const csrf = await this.signInCsrf();
    return this.post("/dashboard/signin", { key, csrf }, headers);
  }

  private async send(path: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Reply> {
    const cookie = this.cookieHeader();
    const res = await fetch(this.base + path, { ...init, redirect: "manual", headers: { ...init.headers, ...(cookie ? { cookie } : {}) } });
    const setCookies = res.headers.getSetCookie();
    for (const c of setCookies) {
      const [pair, ...attrs] = c.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const gone = value === "" || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, headers: res.headers, text: await res.text(), setCookies };
  }
}

export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error("no csrf field in the page");
  return m[1]!;
}

/** The request ids of the log rows on a dashboard page, in page order. */
export function rowIds(html: string): string[] {
  return [...html.matchAll(/<details data-id="([^"]+)"/g)].map((m) => m[1]!);
}

/** Attributes of a Set-Cookie line, lower-cased, without the name=value pair. */
export function cookieAttrs(setCookie: string): string[] {
  return setCookie
    .split(";")
    .slice(1)
    .map((a) => a.trim().toLowerCase());
}

/** The HTML of the element with this id up to the next sibling section (good enough for assertions on our own pages). */
export function section(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  if (start < 0) throw new Error(`no element #${id}`);
  const end = html.indexOf("<section", start);
  return html.slice(start, end < 0 ? undefined : end);
}
