// Caddy in front of the gateway: automatic HTTPS for the user's domain, or for <ip-dashed>.nip.io.

import { GATEWAY_KEEP_ALIVE_MS } from "../gateway/config/rules";
import { GATEWAY_CONTAINER, GATEWAY_PORT } from "./contracts";

/**
 * nip.io rather than sslip.io: sslip.io keeps exhausting Let's Encrypt's per-domain quota (see
 * shared/reference/deploy-and-action.md A5). nip.io is one registered domain too, so every nip.io
 * user shares one Let's Encrypt rate-limit bucket; that is why, without a domain, the settings
 * require acmeEmail: Caddy uses ZeroSSL as a second issuer only when it has an email.
 */
export function publicHost(domain: string | null, ipv4: string): string {
  return domain ?? `${ipv4.replace(/\./g, "-")}.nip.io`;
}

/** How long Caddy keeps an idle connection to the gateway: well under the gateway's own keep-alive. */
export const UPSTREAM_KEEP_ALIVE_S = Math.floor(GATEWAY_KEEP_ALIVE_MS / 1000) - 15;

/** Where the root of a private ACME CA (acmeCaRoot) is uploaded in the Caddy container. */
export const ACME_CA_ROOT_FILE = "/etc/caddy/acme-ca-root.pem";

/**
 * Caddy's own cap on a request body. Above the gateway's limits.maxBodyBytes (10 MB by default), so
 * the gateway answers too-large requests itself, with an OpenAI error body; this only stops bodies
 * no route accepts before they reach the gateway.
 */
export const MAX_REQUEST_BODY = "64MB";

export interface CaddyOptions {
  host: string;
  acmeEmail: string | null;
  /** An ACME directory to use instead of Let's Encrypt (+ ZeroSSL with an email). */
  acmeCa?: string | null;
  /** Whether the container has the private CA's root at ACME_CA_ROOT_FILE. */
  acmeCaRoot?: boolean;
}

export function caddyfile(opts: CaddyOptions): string {
  const global = [
    "{",
    ...(opts.acmeEmail ? [`\temail ${opts.acmeEmail}`] : []),
    ...(opts.acmeCa ? [`\tacme_ca ${opts.acmeCa}`] : []),
    ...(opts.acmeCa && opts.acmeCaRoot ? [`\tacme_ca_root ${ACME_CA_ROOT_FILE}`] : []),
    "\tservers {",
    // The firewall only opens TCP 443, so do not advertise HTTP/3 (UDP) to clients.
    "\t\tprotocols h1 h2",
    "\t}",
    "}",
  ];
  const site = [
    `${opts.host} {`,
    "\trequest_body {",
    `\t\tmax_size ${MAX_REQUEST_BODY}`,
    "\t}",
    // HTTPS only from now on for this host (a year); not for subdomains, which may be someone else's.
    '\theader Strict-Transport-Security "max-age=31536000"',
    `\treverse_proxy ${GATEWAY_CONTAINER}:${GATEWAY_PORT} {`,
    // Stream chat completions (SSE) to the client as they are produced.
    "\t\tflush_interval -1",
    // Idle connections to the gateway go before the gateway closes them itself, so none is reused as it closes.
    "\t\ttransport http {",
    `\t\t\tkeepalive ${UPSTREAM_KEEP_ALIVE_S}s`,
    "\t\t}",
    "\t}",
    "}",
  ];
  return [...global, "", ...site, ""].join("\n");
}
