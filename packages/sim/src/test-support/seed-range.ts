// Shared by the simulation tests: the seed ranges CI runs, and how a failing seed is reported.
import type { SimulationFailure } from "../index.js";

type Env = Record<string, string | undefined>;

function env(): Env {
  return (globalThis as { process?: { env: Env } }).process?.env ?? {};
}

function seedRange(countVariable: string | undefined, defaultCount: number): { first: number; count: number } {
  const e = env();
  const first = Number(e["SIM_SEED_FIRST"] ?? 1);
  const count = Number((countVariable === undefined ? undefined : e[countVariable]) ?? e["SIM_SEEDS"] ?? defaultCount);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || count < 1) throw new Error("SIM_SEED_FIRST and SIM_SEEDS must be integers");
  return { first, count };
}

/**
 * The Raft CI seed range: SIM_SEEDS seeds from SIM_SEED_FIRST. The default (1000 seeds, about a
 * minute and a half on one core) leaves room in `pnpm test:sim`'s ~3 minute budget for the
 * other suites; a long hunt sets SIM_SEEDS higher or uses `pnpm vopr --seeds A..B`.
 */
export function ciSeedRange(): { first: number; count: number } {
  return seedRange(undefined, 1000);
}

/**
 * The data-plane CI seed range: SIM_DATA_PLANE_SEEDS (else SIM_SEEDS, else 200) seeds from
 * SIM_SEED_FIRST. 200 seeds take about 8 s of one core under vitest; a long hunt sets the variable higher or
 * uses `pnpm vopr --data-plane --seeds A..B`.
 */
export function dataPlaneSeedRange(): { first: number; count: number } {
  return seedRange("SIM_DATA_PLANE_SEEDS", 200);
}

/** A failure as a test message: what broke, the last trace lines, and the command that replays it. */
export function describeFailure(f: SimulationFailure, bug?: string, dataPlane = false, extraFlags = ""): string {
  return [
    f.message,
    "--- last trace lines ---",
    f.trace.tail(40),
    `--- replay: pnpm vopr${dataPlane ? " --data-plane" : ""} --seed ${f.seed}${bug === undefined ? "" : ` --bug ${bug}`}${extraFlags}`,
  ].join("\n");
}
