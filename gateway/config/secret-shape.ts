// Whether a string from the config file looks like a secret rather than a name or a path, so
// error messages describe it by length instead of repeating it.

/** Well-known key prefixes, or long tokens mixing lower case, upper case and digits. */
export function looksSecret(s: string): boolean {
  if (/^(sk-|sk_|cl-|rk-|ghp_|gho_|ghs_|github_pat_|xox[abp]-|eyJ)/.test(s)) return true;
  return s.length >= 20 && !/\s/.test(s) && /[a-z]/.test(s) && /[A-Z]/.test(s) && /\d/.test(s);
}

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
