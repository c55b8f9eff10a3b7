// The HTML shell of every dashboard page: head, inline stylesheet and script under the response's
// CSP nonce. Hono's JSX escapes every value; the only unescaped HTML is the constant CSS and script.

import type { Child } from "hono/jsx";
import { CSS, SCRIPT } from "./assets";

export interface ShellProps {
  title: string;
  nonce: string;
  /** The server's clock (epoch ms): countdowns tick from it, not from the browser's. */
  now: number;
  /** URL the page polls for fresh sections; absent: no live refresh. */
  live?: string;
  children?: Child;
}

export function Shell(p: ShellProps) {
  return (
    <html lang="en" data-now={String(p.now)}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <link rel="icon" href="data:," />
        <title>{p.title}</title>
        <style nonce={p.nonce} dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body data-live={p.live} data-every="5000">
        {p.children}
        <script nonce={p.nonce} dangerouslySetInnerHTML={{ __html: SCRIPT }} />
      </body>
    </html>
  );
}

/** Headers of every dashboard response: no caching, no framing, scripts and styles only by nonce. */
export function securityHeaders(nonce: string): Record<string, string> {
  return {
    "content-security-policy": [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      "connect-src 'self'",
      "img-src 'self' data:",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join("; "),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
  };
}
