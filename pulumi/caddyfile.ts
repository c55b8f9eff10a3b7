// Caddy in front of the gateway: automatic HTTPS for the user's domain, or for <ip-dashed>.nip.io.

import { GATEWAY_CONTAINER, GATEWAY_PORT } from "./contracts";

/**
 * nip.io rather than sslip.io: sslip.io keeps exhausting Let's Encrypt's per-domain quota
 * (see shared/reference/deploy-and-action.md A5). Caddy falls back to ZeroSSL either way.
 */
export function publicHost(domain: string | null, ipv4: string): string {
  return domain ?? `${ipv4.replace(/\./g, "-")}.nip.io`;
}

export function caddyfile(opts: { host: string; acmeEmail: string | null }): string {
  const global = [
    "{",
    ...(opts.acmeEmail ? [`\temail ${opts.acmeEmail}`] : []),
    "\tservers {",
    // The firewall only opens TCP 443, so do not advertise HTTP/3 (UDP) to clients.
    "\t\tprotocols h1 h2",
    "\t}",
    "}",
  ];
  const site = [
    `${opts.host} {`,
    `\treverse_proxy ${GATEWAY_CONTAINER}:${GATEWAY_PORT} {`,
    // Stream chat completions (SSE) to the client as they are produced.
    "\t\tflush_interval -1",
    "\t}",
    "}",
  ];
  return [...global, "", ...site, ""].join("\n");
}
