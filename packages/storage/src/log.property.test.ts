// Model-based tests of the log (STYLE.md tests 3): random sequences of append, read, truncate,
// roll, flush, retention, reopen and crash against an in-memory model. fast-check prints the
// seed and the shrunk command list of any failure; replay it with REPLOG_FC_SEED / _PATH.
import { describe, it } from "vitest";
import fc from "fast-check";
import { truncate, stat, open } from "node:fs/promises";
import { join } from "node:path";
import { ManualClock, SeededRandom } from "@replog/common";
import { logConfig, LONG_MAX } from "./log-config.js";
import { MemoryFileIO } from "./memory-file-io.js";
import { NodeFileIO } from "./node-file-io.js";
import { Log } from "./log.js";
import { filenamePrefixFromOffset } from "./log-segment.js";
import { tempDir } from "./test-support/temp-dir.js";
import {
  AdvanceStartCommand,
  AppendCommand,
  CrashCommand,
  FlushCommand,
  LOG_DIR,
  ReadCommand,
  ReopenCommand,
  RetentionCommand,
  RollCommand,
  TruncateCommand,
  initialModel,
  type Model,
  type Real,
} from "./test-support/log-model.js";

const configArb = fc.record({
  "segment.bytes": fc.integer({ min: 200, max: 3000 }).map(String),
  "index.interval.bytes": fc.integer({ min: 0, max: 600 }).map(String),
  "segment.index.bytes": fc.constantFrom("24", "48", "96", "10485760"),
  "flush.messages": fc.constantFrom("1", "4", "25", String(LONG_MAX), String(LONG_MAX)),
  "retention.bytes": fc.oneof(fc.constant("-1"), fc.integer({ min: 300, max: 6000 }).map(String)),
  "retention.ms": fc.constantFrom("-1", "5000", "100000"),
  "file.delete.delay.ms": fc.constantFrom("0", "3000"),
  "segment.ms": fc.constantFrom("4000", "604800000"),
});

function commandArbs(withCrash: boolean): Array<fc.Arbitrary<fc.AsyncCommand<Model, Real>>> {
  const frac = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
  const arbs: Array<fc.Arbitrary<fc.AsyncCommand<Model, Real>>> = [
    fc
      .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 150 }), fc.boolean(), fc.option(fc.integer({ min: 0, max: 2 }), { freq: 4, nil: undefined }))
      .map(([n, r, v, e, f]) => new AppendCommand(n, r, v, e, f)),
    fc.tuple(frac, fc.integer({ min: 1, max: 1500 })).map(([a, m]) => new ReadCommand(a, m)),
    frac.map((a) => new TruncateCommand(a)),
    fc.constant(new RollCommand()),
    fc.constant(new FlushCommand()),
    fc.tuple(fc.integer({ min: 0, max: 6000 }), frac).map(([ms, hw]) => new RetentionCommand(ms, hw)),
    frac.map((a) => new AdvanceStartCommand(a)),
    fc.constant(new ReopenCommand()),
  ];
  // Crashes and truncations twice as likely: the interesting states are the ones between them.
  if (withCrash) arbs.push(fc.boolean().map((keep) => new CrashCommand(keep)), fc.boolean().map((keep) => new CrashCommand(keep)));
  arbs.push(frac.map((a) => new TruncateCommand(a)));
  return arbs;
}

// Long runs (raised REPLOG_LOG_MODEL_RUNS) need more than the default 60 s.
const LONG_RUN_TIMEOUT_MS = 3_600_000;
const envInt = (name: string, fallback: number): number => (process.env[name] ? Number(process.env[name]) : fallback);
// Replay a failure: REPLOG_FC_SEED=<seed> REPLOG_FC_PATH=<path> REPLOG_FC_REPLAY=<replayPath>.
const commandOptions = (maxCommands: number): fc.CommandsContraints => ({
  maxCommands,
  size: "medium",
  ...(process.env.REPLOG_FC_REPLAY ? { replayPath: process.env.REPLOG_FC_REPLAY } : {}),
});
const replay = (): fc.Parameters<unknown> => ({
  ...(process.env.REPLOG_FC_SEED ? { seed: Number(process.env.REPLOG_FC_SEED) } : {}),
  ...(process.env.REPLOG_FC_PATH ? { path: process.env.REPLOG_FC_PATH } : {}),
});

describe("Log against its model", () => {
  it("survives random operations and crash points with torn writes (memory file system)", async () => {
    await fc.assert(
      fc.asyncProperty(configArb, fc.commands(commandArbs(true), commandOptions(60)), fc.integer(), async (overrides, cmds, seed) => {
        const clock = new ManualClock();
        const config = logConfig(overrides);
        const io = new MemoryFileIO(() => clock.wallMs());
        const log = await Log.open(LOG_DIR, config, { clock, io });
        const real: Real = { io, log, clock, random: new SeededRandom(seed), config, dir: LOG_DIR };
        try {
          await fc.asyncModelRun(() => ({ model: initialModel(), real }), cmds);
        } finally {
          await real.log.abandon();
        }
      }),
      { numRuns: envInt("REPLOG_LOG_MODEL_RUNS", 100), ...replay() },
    );
  }, LONG_RUN_TIMEOUT_MS);

  it("survives random operations, kills and torn tails on real files", async () => {
    await fc.assert(
      fc.asyncProperty(configArb, fc.commands(commandArbs(true), commandOptions(25)), fc.integer(), async (overrides, cmds, seed) => {
        const dir = join(await tempDir(), "topic-0");
        const clock = new ManualClock();
        const config = logConfig(overrides);
        const io = new NodeFileIO();
        const log = await Log.open(dir, config, { clock, io });
        const random = new SeededRandom(seed);
        const real: Real = { io, log, clock, random, config, dir, tear: tearLastBatch };
        try {
          await fc.asyncModelRun(() => ({ model: initialModel(), real }), cmds);
        } finally {
          await real.log.abandon();
        }
      }),
      { numRuns: envInt("REPLOG_LOG_MODEL_FILE_RUNS", 15), ...replay() },
    );
  }, LONG_RUN_TIMEOUT_MS);
});

/**
 * After a kill on real files nothing is lost (the page cache survives a process), so the tear is
 * made by hand: if the last batch is past the recovery point, the active segment is cut inside it
 * or its tail overwritten with garbage, as a power loss during that write would leave it.
 */
async function tearLastBatch(real: Real, model: Model): Promise<void> {
  const last = model.batches[model.batches.length - 1];
  if (!last || last.lastOffset < real.log.recoveryPoint) return;
  const bases = real.log.segmentBaseOffsets();
  const base = bases.filter((b) => b <= last.baseOffset).pop()!;
  const path = join(real.dir, filenamePrefixFromOffset(base) + ".log");
  const size = (await stat(path)).size;
  const cut = real.random.int(last.bytes.length);
  if (real.random.int(2) === 0) {
    await truncate(path, size - last.bytes.length + cut);
  } else {
    const file = await open(path, "r+");
    const garbage = Buffer.alloc(last.bytes.length - cut, 0xa5);
    await file.write(garbage, 0, garbage.length, size - garbage.length);
    await file.close();
  }
}
