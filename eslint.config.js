// Lint rules, including the purity of the cores: DESIGN.md section 4 and STYLE.md habit 1.
// Package-to-package boundaries are enforced by dependency-cruiser (.dependency-cruiser.cjs).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

// Packages whose code decides but never acts: no clock, timer, randomness or I/O.
// Their shells (if any) pass these in as Clock, Random, Transport and store interfaces.
const PURE = [
  "packages/common/src/**/*.ts",
  "packages/raft/src/**/*.ts",
  "packages/metadata/src/**/*.ts",
  "packages/controller/src/core/**/*.ts",
  "packages/broker/src/core/**/*.ts",
  "packages/sim/src/**/*.ts",
];
const PURE_EXCEPTIONS = ["packages/common/src/node/**", "**/*.test.ts", "packages/sim/src/cli/**"];

const impureGlobals = ["setTimeout", "setInterval", "setImmediate", "clearTimeout", "clearInterval", "queueMicrotask", "performance", "process", "fetch"].map(
  (name) => ({ name, message: "Pure code takes time, timers and the environment as parameters (a Clock, a Random, a Transport)." }),
);

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/coverage/**", "scripts/bench/vendor/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-non-null-assertion": "off",
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    files: PURE,
    ignores: PURE_EXCEPTIONS,
    rules: {
      "no-restricted-globals": ["error", ...impureGlobals],
      "no-restricted-properties": [
        "error",
        { object: "Math", property: "random", message: "Pure code draws from an injected Random." },
        { object: "Date", property: "now", message: "Pure code reads an injected Clock." },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "Pure code reads an injected Clock." },
      ],
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*", "fs", "fs/*", "net", "http", "http2", "child_process", "os", "dgram", "worker_threads", "timers", "timers/*"], message: "Pure code does no I/O." },
            { group: ["@grpc/*", "pino", "pino-*", "prom-client"], message: "Pure code does no I/O; shells own transports, logs and metrics." },
          ],
        },
      ],
    },
  },
);
