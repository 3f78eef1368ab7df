// Shared by the simulation tests: the seed range CI runs, and how a failing seed is reported.
import { SimulationFailure, type PlantedBug } from "../index.js";

/**
 * The CI seed range: SIM_SEEDS seeds from SIM_SEED_FIRST. The default (1000 seeds, about a
 * minute and a half on one core) leaves room in `pnpm test:sim`'s ~3 minute budget for the
 * other suites; a long hunt sets SIM_SEEDS higher or uses `pnpm vopr --seeds A..B`.
 */
export function ciSeedRange(): { first: number; count: number } {
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
  const first = Number(env["SIM_SEED_FIRST"] ?? 1);
  const count = Number(env["SIM_SEEDS"] ?? 1000);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || count < 1) throw new Error("SIM_SEED_FIRST and SIM_SEEDS must be integers");
  return { first, count };
}

/** A failure as a test message: what broke, the last trace lines, and the command that replays it. */
export function describeFailure(f: SimulationFailure, bug?: PlantedBug): string {
  return [
    f.message,
    "--- last trace lines ---",
    f.trace.tail(40),
    `--- replay: pnpm vopr --seed ${f.seed}${bug === undefined ? "" : ` --bug ${bug}`}`,
  ].join("\n");
}
