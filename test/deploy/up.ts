// One `pulumi up` of the real program (pulumi/index.ts) under pulumi.runtime.setMocks, with the
// mocks acting for real (cloud.ts). Pulumi's runtime is global per process, so every `up` of the
// deploy test is a process of its own: `node --import tsx test/deploy/up.ts <json UpRequest>`.
// Prints {"outputs": {...}} or {"error": "..."} as the last line of stdout.

import * as pulumi from "@pulumi/pulumi";
import { Cloud, type CloudOptions } from "./cloud";

export interface UpRequest {
  cloud: CloudOptions;
  /** Config keys without the project prefix; non-strings are JSON-encoded as the CLI does. */
  config: Record<string, unknown>;
  secretKeys: string[];
  project: string;
  stack: string;
  /** PULUMI_HOME for the program's local files (SSH key, known_hosts, build context). */
  pulumiHome: string;
}

async function up(req: UpRequest): Promise<Record<string, unknown>> {
  process.env.PULUMI_HOME = req.pulumiHome;
  const cloud = new Cloud(req.cloud);
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.config)) all[`${req.project}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(all, req.secretKeys.map((k) => `${req.project}:${k}`));
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => cloud.newResource(args),
      call: (args) => {
        const facts = cloud.facts(args.token);
        if (!facts) throw new Error(`the deploy test has no answer for ${args.token}`);
        return facts;
      },
    },
    req.project,
    req.stack,
    false,
  );
  // ignoreChanges is part of the registration, not of what the mocks see: record it on the way.
  const monitor = pulumi.runtime.getMonitor() as any;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (r: any, callback: any) => {
    cloud.ignoreChanges.set(r.getName(), r.getIgnorechangesList());
    return original(r, callback);
  };
  const main = require("../../pulumi/index") as () => Promise<Record<string, pulumi.Output<unknown>>>;
  const outputs = await main();
  const resolved: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(outputs)) resolved[k] = await new Promise<unknown>((r) => (v).apply((x: unknown) => r(x)));
  await pulumi.runtime.disconnect();
  cloud.save();
  return resolved;
}

if (require.main === module) {
  const req = JSON.parse(process.argv[2] ?? "{}") as UpRequest;
  up(req).then(
    (outputs) => process.stdout.write(`\n${JSON.stringify({ outputs })}\n`),
    (err: unknown) => {
      process.stdout.write(`\n${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n`);
      process.exitCode = 1;
    },
  );
}
