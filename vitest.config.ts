import { defineConfig } from "vitest/config";

// One config, three projects:
//  - unit: pure and single-process tests beside the code (packages/*/src/**/*.test.ts)
//  - sim:  deterministic simulation seed ranges (packages/*/src/**/*.sim.test.ts)
//  - e2e:  real multi-process tests on loopback (test/**/*.test.ts); they need `pnpm build` first.
// Sources resolve through the "@replog/source" export condition, so unit and sim tests run on
// TypeScript directly; e2e tests spawn the built `replog` executable.
const resolve = { conditions: ["@replog/source"] };
// Tests run in Node (Vite's SSR pipeline), which resolves with its own conditions: without this a
// fresh clone (no dist/) cannot resolve workspace packages, and a stale dist/ would be used silently.
const ssr = { resolve: { conditions: ["@replog/source"] } };

export default defineConfig({
  resolve,
  ssr,
  test: {
    projects: [
      {
        resolve,
        ssr,
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts"],
          exclude: ["packages/*/src/**/*.sim.test.ts", "**/node_modules/**", "**/dist/**"],
          testTimeout: 60_000,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: "sim",
          include: ["packages/*/src/**/*.sim.test.ts"],
          testTimeout: 600_000,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
