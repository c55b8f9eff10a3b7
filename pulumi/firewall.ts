// The only ways in: SSH from the admin CIDRs, HTTP (ACME challenges and the redirect) and HTTPS.
// Hetzner allows all outbound traffic when a firewall has no outbound rules, which the workers need.

export interface InboundRule {
  direction: "in";
  protocol: "tcp";
  port: string;
  sourceIps: string[];
  description: string;
}

const ANYWHERE = ["0.0.0.0/0", "::/0"];

export function firewallRules(adminCidrs: readonly string[]): InboundRule[] {
  return [
    { direction: "in", protocol: "tcp", port: "22", sourceIps: [...adminCidrs], description: "SSH from admin CIDRs" },
    { direction: "in", protocol: "tcp", port: "80", sourceIps: [...ANYWHERE], description: "HTTP (ACME, redirect)" },
    { direction: "in", protocol: "tcp", port: "443", sourceIps: [...ANYWHERE], description: "HTTPS" },
  ];
}
