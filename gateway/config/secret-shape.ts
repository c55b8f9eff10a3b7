// Whether a string from the config file looks like a secret rather than a name or a path, so
// error messages describe it by length instead of repeating it. What a secret looks like is the
// lane core's one list (gateway/lanes/secret-patterns.ts).

export { looksSecret } from "../lanes/secret-patterns";

/** http://user:pass@host: the userinfo part is a credential. */
export function hasUrlCredentials(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(s);
}

/** A URL safe to print: without userinfo, query or fragment. */
export function safeUrl(s: string): string {
  try {
    const u = new URL(s);
    return `${u.protocol}//${u.host}${u.pathname === "/" ? "" : u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}
