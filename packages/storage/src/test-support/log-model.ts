// The in-memory model of a partition log and the fast-check commands that drive a real `Log`
// against it (model-based testing). The model holds the batches the log must contain, byte for
// byte, the offsets, and which batches are known durable (below the recovery point).
//
// Crash points: `CrashCommand` powers off a `MemoryFileIO` between two commands. The crashed
// disk keeps the fsynced bytes plus a random prefix of everything written since, in order, with
// the last write torn at a random byte; so the crash lands, in effect, after any write since the
// last fsync, in the middle of whatever operation made it. After reopening, the log must hold
// the model's flushed prefix or more (a prefix of what was appended), never less, never garbage.
import { expect } from "vitest";
import type * as fc from "fast-check";
import { ManualClock, SeededRandom, leaderEpoch, type LeaderEpoch } from "@replog/common";
import { setBaseOffset, setPartitionLeaderEpoch } from "@replog/protocol";
import { Log } from "../log.js";
import type { LogConfig } from "../log-config.js";
import type { FileIO } from "../file-io.js";
import { MemoryFileIO } from "../memory-file-io.js";
import { readAll, testBatch, type StoredBatch } from "./batches.js";

export const LOG_DIR = "/data/topic-0";

export interface Model {
  batches: StoredBatch[];
  logStart: number;
  logEnd: number;
  epoch: number;
  tag: number;
}

export interface Real {
  io: FileIO;
  log: Log;
  readonly clock: ManualClock;
  readonly random: SeededRandom;
  readonly config: LogConfig;
  readonly dir: string;
  /** For real files: tears the last batch of the active segment after an unclean stop. */
  readonly tear?: (real: Real, model: Model) => Promise<void>;
}

type Cmd = fc.AsyncCommand<Model, Real>;

const pick = (lo: number, hi: number, frac: number): number => lo + Math.floor(frac * (hi - lo + 1 - 1e-9));

export async function reopen(real: Real, model: Model, recoveryPoint: number, hadCleanShutdown = false): Promise<void> {
  real.log = await Log.open(real.dir, real.config, { clock: real.clock, io: real.io, recoveryPoint, logStartOffset: model.logStart, hadCleanShutdown });
}

/** The log must match the model exactly: offsets, epochs, bytes. */
export async function checkAgainstModel(real: Real, model: Model): Promise<void> {
  const log = real.log;
  if (process.env.REPLOG_DEBUG_MODEL) console.log(JSON.stringify({ model: model.batches.map((b) => [b.baseOffset, b.lastOffset, b.epoch]), start: model.logStart, end: model.logEnd, epochs: log.epochs.describe(), segs: log.segmentBaseOffsets() }));
  expect(log.logEndOffset).toBe(model.logEnd);
  expect(log.logStartOffset).toBe(model.logStart);
  expect(log.recoveryPoint).toBeLessThanOrEqual(log.logEndOffset);
  for (const b of model.batches) {
    if (b.epoch >= 0) expect(log.epochs.epochForOffset(Math.max(b.baseOffset, model.logStart) as never)).toBe(b.epoch);
  }
}

async function checkContent(real: Real, model: Model): Promise<void> {
  const actual = await readAll(real.log, 700);
  expect(actual.map((b) => b.baseOffset)).toEqual(model.batches.map((b) => b.baseOffset));
  actual.forEach((b, i) => expect(b.bytes.equals(model.batches[i]!.bytes)).toBe(true));
}

function makeBatches(model: Model, real: Real, count: number, records: number, valueBytes: number): Buffer[] {
  return Array.from({ length: count }, () => testBatch({ records, valueBytes, tag: model.tag++, timestamp: real.clock.wallMs() }));
}

export class AppendCommand implements Cmd {
  constructor(
    readonly count: number,
    readonly records: number,
    readonly valueBytes: number,
    readonly newEpoch: boolean,
    readonly asFollowerWithGap: number | undefined,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    if (this.newEpoch) model.epoch++;
    const input = makeBatches(model, real, this.count, this.records, this.valueBytes);
    // The model stamps offsets and epochs itself, on copies, with the protocol's setters.
    let next = model.logEnd + (this.asFollowerWithGap ?? 0);
    const expected = input.map((b) => {
      const copy = Buffer.from(b);
      setBaseOffset(copy, 0, next);
      setPartitionLeaderEpoch(copy, 0, model.epoch);
      const stored = { baseOffset: next, lastOffset: next + this.records - 1, epoch: model.epoch, bytes: copy };
      next += this.records;
      return stored;
    });
    const result = this.asFollowerWithGap === undefined
      ? await real.log.appendAsLeader(Buffer.concat(input), leaderEpoch(model.epoch))
      : await real.log.appendAsFollower(Buffer.concat(expected.map((b) => b.bytes)));
    expect(result.firstOffset).toBe(expected[0]!.baseOffset);
    model.batches.push(...expected);
    model.logEnd = next;
    await checkAgainstModel(real, model);
  }
  toString = (): string => `append(${this.count}x${this.records}x${this.valueBytes}B${this.newEpoch ? ", new epoch" : ""}${this.asFollowerWithGap === undefined ? "" : `, follower gap ${this.asFollowerWithGap}`})`;
}

export class ReadCommand implements Cmd {
  constructor(
    readonly at: number,
    readonly maxBytes: number,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const start = pick(model.logStart, model.logEnd, this.at);
    const { records, nextOffset } = await real.log.read(start, this.maxBytes);
    const from = model.batches.findIndex((b) => b.lastOffset >= start);
    const expected: Buffer[] = [];
    let bytes = 0;
    // As Kafka, one read returns batches from one segment only.
    const firstBase = from < 0 ? 0 : model.batches[from]!.baseOffset;
    const segmentEnd = real.log.segmentBaseOffsets().find((base) => base > firstBase) ?? Infinity;
    for (const b of from < 0 ? [] : model.batches.slice(from)) {
      if (b.baseOffset >= segmentEnd) break;
      if (expected.length > 0 && bytes + b.bytes.length > this.maxBytes) break;
      expected.push(b.bytes);
      bytes += b.bytes.length;
    }
    expect(records.equals(Buffer.concat(expected))).toBe(true);
    const lastReturned = model.batches[from + expected.length - 1];
    expect(nextOffset).toBe(expected.length > 0 ? lastReturned!.lastOffset + 1 : start);
  }
  toString = (): string => `read(${this.at.toFixed(2)}, ${this.maxBytes})`;
}

export class TruncateCommand implements Cmd {
  constructor(readonly at: number) {}
  check = (m: Readonly<Model>): boolean => m.logEnd > m.logStart;
  async run(model: Model, real: Real): Promise<void> {
    const target = pick(model.logStart, model.logEnd - 1, this.at);
    const firstBase = real.log.segmentBaseOffsets()[0]!;
    await real.log.truncateTo(target);
    if (target <= firstBase) {
      model.batches = [];
      model.logStart = target;
      model.logEnd = target;
    } else {
      // A batch holding the target goes whole. The LEO is then what the files say: after the last
      // batch kept, or the base of the active segment if that is later (an offset gap).
      model.batches = model.batches.filter((b) => b.lastOffset < target);
      const last = model.batches[model.batches.length - 1];
      const activeBase = real.log.activeSegment.baseOffset;
      if (last) {
        expect(real.log.logEndOffset).toBe(Math.max(last.lastOffset + 1, activeBase));
      } else {
        // No visible batch is left, but batches below the log start offset that retention has
        // not deleted yet are still in the files, and their end counts: the LEO is somewhere from
        // the active segment's base to the target.
        expect(real.log.logEndOffset).toBeGreaterThanOrEqual(activeBase);
        expect(real.log.logEndOffset).toBeLessThanOrEqual(target);
      }
      model.logEnd = real.log.logEndOffset;
      model.logStart = Math.min(model.logStart, model.logEnd);
    }
    await checkAgainstModel(real, model);
  }
  toString = (): string => `truncate(${this.at.toFixed(2)})`;
}

export class RollCommand implements Cmd {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    await real.log.roll();
    await checkAgainstModel(real, model);
  }
  toString = (): string => "roll";
}

export class FlushCommand implements Cmd {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    await real.log.flush();
    expect(real.log.recoveryPoint).toBe(model.logEnd);
  }
  toString = (): string => "flush";
}

export class RetentionCommand implements Cmd {
  constructor(
    readonly advanceMs: number,
    readonly hwAt: number,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    real.clock.advance(this.advanceMs);
    const hw = pick(model.logStart, model.logEnd, this.hwAt);
    const active = real.log.activeSegment.baseOffset;
    await real.log.deleteOldSegments(hw);
    const start = real.log.logStartOffset;
    expect(start).toBeGreaterThanOrEqual(model.logStart);
    // Never past the high watermark, never the active segment.
    expect(start).toBeLessThanOrEqual(Math.max(model.logStart, hw));
    expect(real.log.activeSegment.baseOffset).toBe(active);
    model.logStart = start;
    model.batches = model.batches.filter((b) => b.lastOffset >= start);
    await checkAgainstModel(real, model);
  }
  toString = (): string => `retention(+${this.advanceMs}ms, hw ${this.hwAt.toFixed(2)})`;
}

export class AdvanceStartCommand implements Cmd {
  constructor(readonly at: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const target = pick(model.logStart, model.logEnd, this.at);
    await real.log.advanceLogStartOffset(target, model.logEnd);
    model.logStart = target;
    model.batches = model.batches.filter((b) => b.lastOffset >= target);
    await checkAgainstModel(real, model);
  }
  toString = (): string => `advanceLogStart(${this.at.toFixed(2)})`;
}

export class ReopenCommand implements Cmd {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    await real.log.close();
    real.io = real.io instanceof MemoryFileIO ? real.io.restart() : real.io;
    await reopen(real, model, model.logEnd, true);
    await checkAgainstModel(real, model);
    await checkContent(real, model);
  }
  toString = (): string => "reopen";
}

/** Power loss (memory FS) or kill plus a torn last batch (real files), then reopen. */
export class CrashCommand implements Cmd {
  constructor(readonly keepRecoveryPoint: boolean) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const recoveryPoint = real.log.recoveryPoint;
    const flushed = model.batches.filter((b) => b.lastOffset < recoveryPoint).length;
    if (real.io instanceof MemoryFileIO) real.io = real.io.crash(real.random);
    await real.log.abandon();
    if (real.tear) await real.tear(real, model);
    await reopen(real, model, this.keepRecoveryPoint ? recoveryPoint : 0);
    const recovered = await readAll(real.log, 700);
    // The flushed prefix or more; what is there is exactly what was appended, in order.
    expect(recovered.length).toBeGreaterThanOrEqual(flushed);
    expect(recovered.length).toBeLessThanOrEqual(model.batches.length);
    recovered.forEach((b, i) => expect(b.bytes.equals(model.batches[i]!.bytes), `batch ${i} differs`).toBe(true));
    model.batches = model.batches.slice(0, recovered.length);
    // The LEO covers every flushed batch. (An LEO that had moved into an offset gap after the last
    // batch, by a truncation, may come back at the end of that batch: no batch is lost.)
    const flushedEnd = flushed > 0 ? model.batches[flushed - 1]!.lastOffset + 1 : 0;
    expect(real.log.logEndOffset).toBeGreaterThanOrEqual(flushedEnd);
    expect(real.log.logEndOffset).toBeLessThanOrEqual(model.logEnd);
    model.logEnd = real.log.logEndOffset;
    // Without follower gaps the LEO is right after the last batch; with them it may be the base
    // of an empty active segment that a gapped batch had opened.
    if (model.batches.length > 0) expect(model.logEnd).toBeGreaterThanOrEqual(model.batches[model.batches.length - 1]!.lastOffset + 1);
    await checkAgainstModel(real, model);
  }
  toString = (): string => `crash(${this.keepRecoveryPoint ? "recovery point kept" : "no checkpoint"})`;
}

export function initialModel(): Model {
  return { batches: [], logStart: 0, logEnd: 0, epoch: 0, tag: 0 };
}

export type { LeaderEpoch };
