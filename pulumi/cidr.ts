// CIDR checks for the firewall's SSH allow-list. Hetzner rejects a malformed CIDR only when the
// firewall is created, minutes into `pulumi up`; checking here fails the run before anything starts.

import { isIPv4, isIPv6 } from "node:net";

function ipv4Bits(ip: string): bigint {
  return ip.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Bits(ip: string): bigint {
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, null];
  const groups = (s: string | null | undefined) => (s ? s.split(":") : []);
  let parts = groups(head);
  if (tail !== null) {
    const rest = groups(tail);
    parts = [...parts, ...Array<string>(8 - parts.length - rest.length).fill("0"), ...rest];
  }
  return parts.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Returns what is wrong with `value` as a CIDR, or null when it is a valid network address. */
export function cidrProblem(value: string): string | null {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!match) return "is not a CIDR; write an address with a prefix length, e.g. 203.0.113.7/32";
  const [, ip = "", prefixText] = match;
  const prefix = Number(prefixText);
  const v4 = isIPv4(ip);
  // Zone ids and IPv4-in-IPv6 forms are valid addresses for node but not for a firewall rule.
  const v6 = !v4 && isIPv6(ip) && /^[0-9a-fA-F:]+$/.test(ip);
  if (!v4 && !v6) return "is not a CIDR; the address part is not a plain IPv4 or IPv6 address";
  const width = v4 ? 32 : 128;
  if (prefix > width) return `is not a CIDR; the prefix length must be 0 to ${width}`;
  const bits = v4 ? ipv4Bits(ip) : ipv6Bits(ip);
  const hostMask = (1n << BigInt(width - prefix)) - 1n;
  if ((bits & hostMask) !== 0n) return "has bits set after the prefix; use the network address (e.g. 203.0.113.0/24), or /32 (IPv6: /128) for one host";
  return null;
}
