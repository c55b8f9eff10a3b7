// ESLint (`npm run lint`): typescript-eslint's recommended type-checked rules over the gateway, the
// action, Pulumi, scripts and tests. Import boundaries are not here: test/boundaries.test.ts holds
// them. Every rule turned off or narrowed below says why (README "Lint" lists them too). No rule is
// a warning: `npm run lint` passes --max-warnings 0, so any finding fails it.
import path from "node:path";
import tseslint from "typescript-eslint";

const root = path.resolve(import.meta.dirname, "../..");

const UNTYPED_JSON = [
  "@typescript-eslint/no-unsafe-assignment",
  "@typescript-eslint/no-unsafe-member-access",
  "@typescript-eslint/no-unsafe-argument",
  "@typescript-eslint/no-unsafe-call",
  "@typescript-eslint/no-unsafe-return",
  "@typescript-eslint/no-explicit-any",
];

export default tseslint.config(
  { basePath: root },
  { ignores: ["action/dist/**", "node_modules/**", "gateway/codex/protocol/**", "**/*.cjs", "**/*.mjs", "**/*.js"] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: root } },
    rules: {
      // `_name` marks a binding kept on purpose (a destructured field left out, an interface's argument).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      // No one-letter fields: a reader meets a field far from where it was set, unlike a local.
      "@typescript-eslint/naming-convention": [
        "error",
        { selector: ["classProperty", "parameterProperty", "typeProperty", "accessor"], format: null, custom: { regex: "^[A-Za-z]$", match: false } },
      ],
    },
  },
  {
    // The `codex-lanes` command requires its subcommands lazily so `keys` and `logs` start fast.
    files: ["gateway/cli.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["test/**/*.ts", "scripts/**/*.ts"],
    rules: {
      // node:test's test(), describe() and hooks return promises the runner itself awaits.
      "@typescript-eslint/no-floating-promises": [
        "error",
        { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["test", "describe", "it", "before", "after", "beforeEach", "afterEach", "suite"] }] },
      ],
      // Tests and benchmarks read answers as untyped JSON (res.json(), JSON.parse, NDJSON from child
      // processes) and assert on them: the assertion is the type check.
      ...Object.fromEntries(UNTYPED_JSON.map((r) => [r, "off"])),
      // Fakes and scripted adapters implement async interfaces without awaiting anything.
      "@typescript-eslint/require-await": "off",
      // Tests pass methods of fakes and assert helpers around unbound.
      "@typescript-eslint/unbound-method": "off",
      // Tests load Pulumi's program after setting its mocks and config, which an import would hoist.
      "@typescript-eslint/no-require-imports": "off",
    },
  },
);
