// `pulumi up` does not run the program with tsx: the Pulumi CLI's Node host registers the ts-node
// that @pulumi/pulumi vendors (7.0.1) with the project's TypeScript and the tsconfig.json in the
// working directory, and type-checks. This test registers the loader the same way
// (@pulumi/pulumi/cmd/run/run.js, CommonJS path) and runs the program under mocks, so a root
// tsconfig or code change that would break `pulumi up` fails here first.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";

const root = path.join(__dirname, "..");

const script = `
const path = require("path");
const tsutils = require("@pulumi/pulumi/tsutils");
const semver = require("semver");
const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const tsPath = require.resolve(typescriptRequire, { paths: [process.cwd()] });
const useNodeNext = semver.parse(require(tsPath).version).compare(new semver.SemVer("4.7.0")) >= 0;
require(tsnodeRequire).register({
  compiler: tsPath,
  transpileOnly: compilerOptions.noCheck,
  project: "tsconfig.json",
  skipProject: false,
  compilerOptions: {
    target: "ES2020",
    module: useNodeNext ? "nodenext" : "commonjs",
    moduleResolution: useNodeNext ? "nodenext" : "node",
    sourceMap: "true",
    ...compilerOptions,
  },
});
const h = require(path.resolve("test/pulumi-harness.ts"));
const tmp = h.makeTmpDir();
const repo = h.makeRepoFixture(tmp);
h.runProgram({ config: h.baseConfig(repo), secretKeys: h.SECRET_KEYS, tmpDir: tmp })
  .then((r) => {
    require("fs").rmSync(tmp, { recursive: true, force: true });
    process.stdout.write(JSON.stringify({ loader: tsnodeRequire, registrations: r.registrations.length }));
  })
  .catch((e) => { process.stdout.write(JSON.stringify({ error: e.message })); });
`;

test("the program type-checks and runs under Pulumi's own ts-node with the root tsconfig", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], {
    cwd: root,
    timeout: 120_000,
    maxBuffer: 8 * 1024 * 1024,
  });
  const result = JSON.parse(stdout) as { loader?: string; registrations?: number; error?: string };
  assert.equal(result.error, undefined, result.error);
  assert.match(result.loader ?? "", /vendor[\\/]ts-node@7\.0\.1$/);
  assert.ok((result.registrations ?? 0) > 20, `only ${result.registrations} resources registered`);
});
