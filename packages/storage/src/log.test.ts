import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readdir, stat, truncate, writeFile, readFile, unlink } from "node:fs/promises";
import { ManualClock, SeededRandom, leaderEpoch, offset } from "@replog/common";
import { KafkaError } from "@replog/protocol";
import { Log } from "./log.js";
import { logConfig } from "./log-config.js";
import { MemoryFileIO } from "./memory-file-io.js";
import { NodeFileIO } from "./node-file-io.js";
import { readAll, splitBatches, testBatch } from "./test-support/batches.js";
import { tempDir } from "./test-support/temp-dir.js";

const E3 = leaderEpoch(3);

/** Counts reads of `.log` files (the read path's system calls on a real file system). */
class LogReadCountingIO extends MemoryFileIO {
  logReads = 0;

  override async open(path: string, mode: "r" | "r+" | "w+") {
    const handle = await super.open(path, mode);
    if (!path.endsWith(".log")) return handle;
    const read = handle.read.bind(handle);
    handle.read = (...args) => {
      this.logReads++;
      return read(...args);
    };
    return handle;
  }
}

async function openReal(overrides: Record<string, string> = {}, dir?: string, extra: { recoveryPoint?: number } = {}) {
  const d = dir ?? (await tempDir());
  const clock = new ManualClock();
  const log = await Log.open(d, logConfig(overrides), { clock, io: new NodeFileIO(), ...extra });
  return { dir: d, clock, log };
}

describe("Log appends and reads", () => {
  it("assigns offsets and stamps the leader epoch as leader, and reads the same bytes back", async () => {
    const { log, dir } = await openReal();
    const r1 = await log.appendAsLeader(testBatch({ records: 3 }), E3);
    const r2 = await log.appendAsLeader(Buffer.concat([testBatch({ records: 2, tag: 1 }), testBatch({ records: 1, tag: 2 })]), E3);
    expect([r1.firstOffset, r1.lastOffset, r2.firstOffset, r2.lastOffset, r2.batchCount]).toEqual([0, 2, 3, 5, 2]);
    expect(log.logEndOffset).toBe(6);
    const batches = await readAll(log);
    expect(batches.map((b) => [b.baseOffset, b.lastOffset, b.epoch])).toEqual([[0, 2, 3], [3, 4, 3], [5, 5, 3]]);
    expect(log.epochs.describe()).toBe("[3@0]");
    expect((await readdir(dir)).sort()).toEqual([
      "00000000000000000000.index",
      "00000000000000000000.log",
      "00000000000000000000.timeindex",
      "leader-epoch-checkpoint",
    ]);
    await log.close();
  });

  it("keeps the leader's offsets as follower, with gaps allowed, and learns epochs from batches", async () => {
    const { log } = await openReal();
    await log.appendAsFollower(Buffer.concat([testBatch({ records: 2, baseOffset: 0, epoch: 1 }), testBatch({ records: 1, baseOffset: 5, epoch: 2 })]));
    expect(log.logEndOffset).toBe(6);
    expect(log.epochs.describe()).toBe("[1@0, 2@5]");
    expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([0, 5]);
    expect(log.endOffsetForEpoch(leaderEpoch(1))).toEqual({ epoch: 1, endOffset: 5 });
    await log.close();
  });

  it("reads whole batches within maxBytes, at least one, below the upper bound", async () => {
    const { log } = await openReal();
    for (let i = 0; i < 5; i++) await log.appendAsLeader(testBatch({ records: 2, valueBytes: 100, tag: i }), E3);
    const size = splitBatches((await log.read(0, 1_000_000)).records)[0]!.bytes.length;
    expect(splitBatches((await log.read(0, size * 2 + 10)).records).map((b) => b.baseOffset)).toEqual([0, 2]);
    expect(splitBatches((await log.read(3, 1)).records).map((b) => b.baseOffset)).toEqual([2]);
    expect((await log.read(3, 1, { minOneBatch: false })).records.length).toBe(0);
    expect(splitBatches((await log.read(0, 1_000_000, { upperBound: 6 })).records).map((b) => b.baseOffset)).toEqual([0, 2, 4]);
    expect(splitBatches((await log.read(0, 1_000_000, { upperBound: 5 })).records).map((b) => b.baseOffset)).toEqual([0, 2]);
    expect((await log.read(10, 100)).records.length).toBe(0);
    for (const bad of [-1, 11]) {
      const err = await log.read(bad, 100).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KafkaError);
      expect((err as KafkaError).type).toBe("OFFSET_OUT_OF_RANGE");
    }
    await log.close();
  });

  it("rolls on segment.bytes and on a full index, and reads across segments", async () => {
    const { log, dir } = await openReal({ "segment.bytes": "600", "index.interval.bytes": "0" });
    for (let i = 0; i < 10; i++) await log.appendAsLeader(testBatch({ records: 2, valueBytes: 100, tag: i }), E3);
    expect(log.segmentBaseOffsets().length).toBeGreaterThan(3);
    expect((await readAll(log, 250)).map((b) => b.baseOffset)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    await log.close();
    const { log: small } = await openReal({ "segment.index.bytes": "24", "index.interval.bytes": "0" }, join(dir, "x"));
    for (let i = 0; i < 10; i++) await small.appendAsLeader(testBatch({ tag: i }), E3);
    // Three index entries fill a 24-byte index; the first batch of each segment is not indexed.
    expect(small.segmentBaseOffsets()).toEqual([0, 4, 8]);
    await small.close();
  });

  it("rolls on segment.ms, measured from the first batch's timestamp", async () => {
    const { log } = await openReal({ "segment.ms": "1000" });
    await log.appendAsLeader(testBatch({ timestamp: 10_000 }), E3);
    await log.appendAsLeader(testBatch({ timestamp: 10_900 }), E3);
    expect(log.segmentBaseOffsets()).toEqual([0]);
    await log.appendAsLeader(testBatch({ timestamp: 11_001 }), E3);
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
    await log.close();
  });

  it("finds offsets by timestamp", async () => {
    const { log } = await openReal({ "segment.bytes": "400", "index.interval.bytes": "0" });
    for (let i = 0; i < 8; i++) await log.appendAsLeader(testBatch({ records: 3, timestamp: 1000 + i * 100 }), E3);
    expect(await log.offsetForTimestamp(0)).toEqual({ timestamp: 1000, offset: 0 });
    expect(await log.offsetForTimestamp(1201)).toEqual({ timestamp: 1201, offset: 7 });
    expect(await log.offsetForTimestamp(1203)).toEqual({ timestamp: 1300, offset: 9 });
    expect(await log.offsetForTimestamp(5000)).toBeUndefined();
    expect(await log.offsetForTimestamp(-1)).toEqual({ timestamp: -1, offset: 24 });
    expect(await log.offsetForTimestamp(-2)).toEqual({ timestamp: -1, offset: 0 });
    await log.close();
  });

  it("reads from an offset no earlier read ended at with one file read (the header walk from the index entry is in memory)", async () => {
    const io = new LogReadCountingIO();
    await io.mkdir("/p");
    const log = await Log.open("/p", logConfig(), { clock: new ManualClock(), io });
    // About 300-byte batches: an offset index entry every 4 KiB is every dozen batches or so.
    for (let i = 0; i < 120; i++) await log.appendAsLeader(testBatch({ records: 2, valueBytes: 100, tag: i }), E3);
    const all = Buffer.concat((await readAll(log, 1_000_000)).map((b) => b.bytes));
    const positions = new Map(splitBatches(all).map((b, i, bs) => [b.baseOffset, bs.slice(0, i).reduce((n, x) => n + x.bytes.length, 0)]));
    for (const start of [0, 1, 7, 24, 25, 101, 163, 239]) {
      io.logReads = 0;
      const { records, nextOffset } = await log.read(start, 2000);
      expect(io.logReads).toBe(1);
      const first = splitBatches(records)[0]!;
      expect(first.baseOffset <= start && start <= first.lastOffset).toBe(true);
      const at = positions.get(first.baseOffset)!;
      expect(records.equals(all.subarray(at, at + records.length))).toBe(true);
      // As much as maxBytes allows: the next batch would not have fit, or the log ends.
      expect(at + records.length === all.length || records.length > 2000 - first.bytes.length).toBe(true);
      expect(nextOffset).toBe(splitBatches(records).at(-1)!.lastOffset + 1);
    }
    await log.close();
  });
});

describe("Log truncation", () => {
  it("truncates within and across segments, and the epoch cache with it", async () => {
    const { log } = await openReal({ "segment.bytes": "300" });
    for (let i = 0; i < 8; i++) await log.appendAsLeader(testBatch({ records: 2, valueBytes: 50, tag: i }), leaderEpoch(i < 4 ? 1 : 2));
    expect(log.epochs.describe()).toBe("[1@0, 2@8]");
    expect(await log.truncateTo(20)).toBe(false);
    expect(await log.truncateTo(10)).toBe(true);
    expect(log.logEndOffset).toBe(10);
    expect(log.epochs.describe()).toBe("[1@0, 2@8]");
    await log.truncateTo(6);
    expect(log.logEndOffset).toBe(6);
    expect(log.epochs.describe()).toBe("[1@0]");
    expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([0, 2, 4]);
    const r = await log.appendAsLeader(testBatch({ tag: 9 }), leaderEpoch(4));
    expect(r.firstOffset).toBe(6);
    expect(log.epochs.describe()).toBe("[1@0, 4@6]");
    await log.truncateFullyAndStartAt(100);
    expect([log.logStartOffset, log.logEndOffset, log.segmentBaseOffsets()]).toEqual([100, 100, [100]]);
    expect(log.epochs.describe()).toBe("[]");
    expect((await log.appendAsFollower(testBatch({ baseOffset: 100, epoch: 5 }))).firstOffset).toBe(100);
    await log.close();
  });

  it("advances the log start offset, never past the high watermark", async () => {
    const { log } = await openReal();
    for (let i = 0; i < 4; i++) await log.appendAsLeader(testBatch({ records: 2, tag: i }), E3);
    await expect(log.advanceLogStartOffset(5, 4)).rejects.toMatchObject({ type: "OFFSET_OUT_OF_RANGE" });
    expect(await log.advanceLogStartOffset(3, 8)).toBe(true);
    expect(log.logStartOffset).toBe(3);
    expect(log.epochs.describe()).toBe("[3@3]");
    await expect(log.read(2, 100)).rejects.toMatchObject({ type: "OFFSET_OUT_OF_RANGE" });
    expect(splitBatches((await log.read(3, 1000)).records)[0]!.baseOffset).toBe(2);
    await log.close();
  });
});

describe("Log reopen and recovery", () => {
  it("reopens after a clean close with the same content, trimmed indexes and no recovery needed", async () => {
    const { log, dir } = await openReal({ "segment.bytes": "500", "index.interval.bytes": "0" });
    for (let i = 0; i < 10; i++) await log.appendAsLeader(testBatch({ records: 2, valueBytes: 60, tag: i }), leaderEpoch(i));
    const before = await readAll(log);
    await log.close();
    for (const name of (await readdir(dir)).filter((n) => n.endsWith(".index"))) {
      expect((await stat(join(dir, name))).size % 8).toBe(0);
      expect((await stat(join(dir, name))).size).toBeLessThan(10 * 1024 * 1024);
    }
    const { log: again } = await openReal({ "segment.bytes": "500", "index.interval.bytes": "0" }, dir, { recoveryPoint: 20 });
    expect(await readAll(again)).toEqual(before);
    expect(again.epochs.all().length).toBe(10);
    expect(again.recoveryPoint).toBe(20);
    await again.close();
  });

  it("cuts a torn tail and a corrupt batch on open, and rebuilds missing or corrupt indexes", async () => {
    const overrides = { "segment.bytes": "100000", "index.interval.bytes": "0" };
    const { log, dir } = await openReal(overrides);
    for (let i = 0; i < 6; i++) await log.appendAsLeader(testBatch({ records: 2, valueBytes: 40, tag: i }), E3);
    const before = await readAll(log);
    await log.close();
    const segment = join(dir, "00000000000000000000.log");
    // Torn tail: the last batch lost its last 7 bytes.
    await truncate(segment, (await stat(segment)).size - 7);
    let reopened = await openReal(overrides, dir);
    expect(await readAll(reopened.log)).toEqual(before.slice(0, 5));
    await reopened.log.close();
    // A flipped byte inside the third batch: CRC fails; it and everything after go.
    const bytes = await readFile(segment);
    bytes[before[0]!.bytes.length + before[1]!.bytes.length + 70]! ^= 0x40;
    await writeFile(segment, bytes);
    reopened = await openReal(overrides, dir);
    expect(await readAll(reopened.log)).toEqual(before.slice(0, 2));
    expect(reopened.log.logEndOffset).toBe(4);
    await reopened.log.close();
    // Missing and garbage index files below the recovery point are rebuilt.
    await unlink(join(dir, "00000000000000000000.index"));
    reopened = await openReal(overrides, dir, { recoveryPoint: 4 });
    expect(await readAll(reopened.log)).toEqual(before.slice(0, 2));
    await reopened.log.close();
    await writeFile(join(dir, "00000000000000000000.index"), Buffer.from([0, 0, 0, 9, 0, 0, 0, 50]));
    reopened = await openReal(overrides, dir, { recoveryPoint: 4 });
    expect(await readAll(reopened.log, 50)).toEqual(before.slice(0, 2));
    await reopened.log.close();
  });
});

describe("Log start offset from a checkpoint", () => {
  it("a checkpointed log start offset beyond the end empties the log to start there (Kafka LogLoader)", async () => {
    const clock = new ManualClock();
    const io = new MemoryFileIO();
    const config = logConfig({ "file.delete.delay.ms": "0" });
    const log = await Log.open("/p/t-0", config, { clock, io });
    for (let i = 0; i < 3; i++) await log.appendAsLeader(testBatch({ tag: i }), E3);
    await log.close();
    const again = await Log.open("/p/t-0", config, { clock, io: io.restart(), logStartOffset: 100, hadCleanShutdown: true });
    expect([again.logStartOffset, again.logEndOffset, again.segmentBaseOffsets()]).toEqual([100, 100, [100]]);
    expect((await again.appendAsLeader(testBatch(), E3)).firstOffset).toBe(100);
    await again.close();
  });
});

describe("Log durability of truncation", () => {
  it("a truncation survives power loss: dropped batches never come back", async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const clock = new ManualClock();
      let io = new MemoryFileIO();
      const log = await Log.open("/p/t-0", logConfig(), { clock, io });
      for (let i = 0; i < 3; i++) await log.appendAsLeader(testBatch({ tag: i }), E3);
      await log.flush();
      await log.truncateTo(1);
      io = io.crash(new SeededRandom(seed));
      await log.abandon();
      const again = await Log.open("/p/t-0", logConfig(), { clock, io, recoveryPoint: seed % 2 ? 1 : 0 });
      expect((await readAll(again)).map((b) => b.baseOffset)).toEqual([0]);
      expect(again.logEndOffset).toBe(1);
    }
  });
});

describe("Log flush policy", () => {
  it("flushes after flush.messages and on flush.ms, moving the recovery point", async () => {
    const clock = new ManualClock();
    const io = new MemoryFileIO();
    const log = await Log.open("/p/t-0", logConfig({ "flush.messages": "5", "flush.ms": "1000" }), { clock, io });
    await log.appendAsLeader(testBatch({ records: 3 }), E3);
    expect(log.recoveryPoint).toBe(0);
    await log.appendAsLeader(testBatch({ records: 3 }), E3);
    expect(log.recoveryPoint).toBe(6);
    await log.appendAsLeader(testBatch({ records: 1 }), E3);
    expect(await log.maybeFlushOnTime()).toBe(false);
    clock.advance(1000);
    expect(await log.maybeFlushOnTime()).toBe(true);
    expect(log.recoveryPoint).toBe(7);
    await log.appendAsLeader(testBatch({ records: 1 }), E3);
    await log.flush();
    expect(log.recoveryPoint).toBe(offset(8));
    await log.close();
  });
});
