// Retention (kafka-replication.md §1.7): whole segments from the start only, by retention.ms and
// retention.bytes, never the active segment, never past the high watermark the caller passes.
import { describe, expect, it } from "vitest";
import { ManualClock, leaderEpoch } from "@replog/common";
import { Log } from "./log.js";
import { logConfig } from "./log-config.js";
import { MemoryFileIO } from "./memory-file-io.js";
import { readAll, testBatch } from "./test-support/batches.js";

const DIR = "/data/t-0";
const T0 = 1_700_000_000_000;

/** Five segments of two 2-record batches each; batch i has timestamps from T0 + i * 1000. */
async function fiveSegments(overrides: Record<string, string> = {}) {
  const clock = new ManualClock(0, T0);
  const io = new MemoryFileIO(() => clock.wallMs());
  const config = logConfig({ "file.delete.delay.ms": "0", ...overrides });
  const log = await Log.open(DIR, config, { clock, io });
  for (let i = 0; i < 10; i++) {
    if (i > 0 && i % 2 === 0) await log.roll();
    await log.appendAsLeader(testBatch({ records: 2, valueBytes: 50, tag: i, timestamp: T0 + i * 1000 }), leaderEpoch(i));
  }
  expect(log.segmentBaseOffsets()).toEqual([0, 4, 8, 12, 16]);
  return { clock, io, config, log };
}

describe("retention by time (retention.ms)", () => {
  it("deletes the segments whose newest record is older than retention.ms", async () => {
    const { clock, log } = await fiveSegments({ "retention.ms": "10000" });
    // Segment 0's newest record is T0 + 1001; segment 4's is T0 + 3001.
    clock.set(11_002);
    expect(await log.deleteOldSegments(20)).toBe(1);
    expect(log.segmentBaseOffsets()).toEqual([4, 8, 12, 16]);
    expect(log.logStartOffset).toBe(4);
    expect(log.epochs.earliest()).toEqual({ epoch: 2, startOffset: 4 });
    clock.set(1_000_000);
    expect(await log.deleteOldSegments(20)).toBe(3);
    // Never the active segment, however old.
    expect(log.segmentBaseOffsets()).toEqual([16]);
    expect(log.logStartOffset).toBe(16);
    expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([16, 18]);
  });

  it("never deletes a segment that reaches the high watermark", async () => {
    const { clock, log } = await fiveSegments({ "retention.ms": "1" });
    clock.set(1_000_000);
    expect(await log.deleteOldSegments(7)).toBe(1);
    expect(log.segmentBaseOffsets()).toEqual([4, 8, 12, 16]);
    expect(await log.deleteOldSegments(12)).toBe(2);
    expect(log.logStartOffset).toBe(12);
    expect(await log.deleteOldSegments(0)).toBe(0);
  });

  it("keeps everything with retention.ms = -1 or cleanup.policy=compact", async () => {
    const cases: Array<Record<string, string>> = [{ "retention.ms": "-1" }, { "retention.ms": "1", "cleanup.policy": "compact" }];
    for (const overrides of cases) {
      const { clock, log } = await fiveSegments(overrides);
      clock.set(10_000_000);
      expect(await log.deleteOldSegments(20)).toBe(0);
    }
  });
});

describe("retention by size (retention.bytes)", () => {
  it("deletes the oldest segments while the log is over retention.bytes", async () => {
    const probe = await fiveSegments();
    const segmentSize = probe.log.describeSegments()[0]!.size;
    const { log } = await fiveSegments({ "retention.bytes": String(segmentSize * 3 + 1), "retention.ms": "-1" });
    expect(await log.deleteOldSegments(20)).toBe(1);
    expect(log.size()).toBeLessThanOrEqual(segmentSize * 4);
    expect(log.segmentBaseOffsets()).toEqual([4, 8, 12, 16]);
    expect(await log.deleteOldSegments(20)).toBe(0);
  });

  it("retention.bytes = 0 deletes all but the active segment", async () => {
    const { log } = await fiveSegments({ "retention.bytes": "0", "retention.ms": "-1" });
    expect(await log.deleteOldSegments(20)).toBe(4);
    expect(log.segmentBaseOffsets()).toEqual([16]);
  });
});

describe("retention below the log start offset and file deletion", () => {
  it("deletes segments entirely below the log start offset, whatever the policy", async () => {
    const { log } = await fiveSegments({ "retention.ms": "-1", "cleanup.policy": "compact" });
    await log.advanceLogStartOffset(9, 20);
    expect(await log.deleteOldSegments(20)).toBe(2);
    expect(log.segmentBaseOffsets()).toEqual([8, 12, 16]);
    expect(log.logStartOffset).toBe(9);
  });

  it("renames retired segments to .deleted at once and removes them after file.delete.delay.ms", async () => {
    const { clock, io, log } = await fiveSegments({ "retention.bytes": "0", "retention.ms": "-1", "file.delete.delay.ms": "60000" });
    await log.deleteOldSegments(20);
    const names = await io.readdir(DIR);
    expect(names.filter((n) => n.endsWith(".log.deleted"))).toHaveLength(4);
    expect(names.filter((n) => n.endsWith(".log"))).toEqual(["00000000000000000016.log"]);
    clock.advance(60_000);
    await log.deleteRetiredFiles(false);
    expect((await io.readdir(DIR)).filter((n) => n.includes(".deleted"))).toEqual([]);
  });

  it("a restart after retention starts at the first remaining segment, and cleans .deleted leftovers", async () => {
    const { clock, io, config, log } = await fiveSegments({ "retention.bytes": "0", "retention.ms": "-1", "file.delete.delay.ms": "60000" });
    await log.deleteOldSegments(20);
    await log.flush();
    const crashed = io.crash({ next: () => 0, int: () => 0 });
    await log.abandon();
    const again = await Log.open(DIR, config, { clock, io: crashed });
    expect(again.logStartOffset).toBe(16);
    expect((await crashed.readdir(DIR)).filter((n) => n.includes(".deleted"))).toEqual([]);
    expect(again.epochs.describe()).toBe("[8@16, 9@18]");
  });
});
