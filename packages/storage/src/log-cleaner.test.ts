// Compaction: after cleaning, each key keeps only its latest record (tombstones until
// delete.retention.ms), records keep their order and offsets, and reads across cleaned and
// dirty segments are right. Also: the dirty-ratio trigger, the high-watermark bound, and crashes
// at any point of the swap.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ManualClock, SeededRandom, leaderEpoch } from "@replog/common";
import { decodeRecords, encodeRecordBatch } from "@replog/protocol";
import { Log } from "./log.js";
import { logConfig } from "./log-config.js";
import { cleanLog } from "./log-cleaner.js";
import { MemoryFileIO } from "./memory-file-io.js";
import { readAll } from "./test-support/batches.js";

const DIR = "/data/compacted-0";
const T0 = 1_700_000_000_000;

interface Rec {
  key: string;
  value: string | null;
}
interface Seen {
  offset: number;
  key: string | null;
  value: string | null;
}

function batchOf(records: readonly Rec[], timestamp: number): Buffer {
  return encodeRecordBatch({
    records: records.map((r) => ({ key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), timestamp })),
  });
}

async function allRecords(log: Log): Promise<Seen[]> {
  const out: Seen[] = [];
  for (const b of await readAll(log, 100_000)) {
    for (const r of decodeRecords(b.bytes, 0)) out.push({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });
  }
  return out;
}

async function compactedLog(overrides: Record<string, string> = {}) {
  const clock = new ManualClock(0, T0);
  const io = new MemoryFileIO(() => clock.wallMs());
  const config = logConfig({ "cleanup.policy": "compact", "segment.bytes": "400", "delete.retention.ms": "1000", ...overrides });
  const log = await Log.open(DIR, config, { clock, io });
  return { clock, io, config, log };
}

/** What compaction must leave: in [0, limit) the latest record per key (tombstones aside), all after. */
function expectedAfterClean(appended: Seen[], limit: number, dropTombstonesBefore: number): Seen[] {
  const latest = new Map<string, number>();
  for (const r of appended) if (r.offset < limit && r.key !== null) latest.set(r.key, r.offset);
  return appended.filter((r) => {
    if (r.offset >= limit) return true;
    if (r.key === null || latest.get(r.key) !== r.offset) return false;
    return r.value !== null || r.offset >= dropTombstonesBefore;
  });
}

async function appendAll(log: Log, batches: Rec[][], timestamp: (i: number) => number): Promise<Seen[]> {
  const appended: Seen[] = [];
  for (let i = 0; i < batches.length; i++) {
    const r = await log.appendAsLeader(batchOf(batches[i]!, timestamp(i)), leaderEpoch(1));
    batches[i]!.forEach((rec, j) => appended.push({ offset: r.firstOffset + j, key: rec.key, value: rec.value }));
  }
  return appended;
}

describe("log compaction", () => {
  it("keeps the latest record per key outside the active segment, at its offset", async () => {
    const { log } = await compactedLog();
    const batches: Rec[][] = [];
    for (let i = 0; i < 30; i++) batches.push([{ key: `k${i % 4}`, value: `v${i}` }, { key: `k${(i * 7) % 5}`, value: `w${i}` }]);
    const appended = await appendAll(log, batches, () => T0);
    const result = await cleanLog(log, { highWatermark: log.logEndOffset });
    expect(result.cleaned).toBe(true);
    expect(result.recordsRemoved).toBeGreaterThan(0);
    expect(result.bytesAfter).toBeLessThan(result.bytesBefore);
    const limit = log.firstDirtyOffset;
    expect(limit).toBe(log.activeSegment.baseOffset);
    const after = await allRecords(log);
    expect(after).toEqual(expectedAfterClean(appended, limit, 0));
    // Reads from any offset start at the right record, across cleaned and dirty segments.
    for (const start of [0, 3, 17, limit - 1, limit, log.logEndOffset - 1]) {
      const { records } = await log.read(start, 1);
      const first = decodeRecords(records, 0).find((r) => r.offset >= start);
      expect(first?.offset).toBe(after.find((r) => r.offset >= start)?.offset);
    }
    // A second pass finds nothing dirty.
    expect((await cleanLog(log, { highWatermark: log.logEndOffset, force: true })).cleaned).toBe(false);
  });

  it("keeps tombstones until delete.retention.ms, then removes them", async () => {
    const { clock, log } = await compactedLog();
    const batches: Rec[][] = [[{ key: "a", value: "1" }, { key: "b", value: "1" }], [{ key: "a", value: null }], [{ key: "c", value: "1" }]];
    for (let i = 0; i < 12; i++) batches.push([{ key: "filler", value: `f${i}` }]);
    const appended = await appendAll(log, batches, () => T0);
    await cleanLog(log, { highWatermark: log.logEndOffset });
    const limit = log.firstDirtyOffset;
    expect(await allRecords(log)).toEqual(expectedAfterClean(appended, limit, 0));
    expect((await allRecords(log)).find((r) => r.key === "a")).toEqual({ offset: 2, key: "a", value: null });
    clock.advance(1001);
    await log.roll();
    await cleanLog(log, { highWatermark: log.logEndOffset, force: true });
    expect((await allRecords(log)).filter((r) => r.key === "a")).toEqual([]);
    expect((await allRecords(log)).find((r) => r.key === "b")).toEqual({ offset: 1, key: "b", value: "1" });
  });

  it("runs only when the dirty ratio exceeds min.cleanable.dirty.ratio, and never past the high watermark", async () => {
    const { log } = await compactedLog({ "min.cleanable.dirty.ratio": "0.9" });
    const batches = Array.from({ length: 20 }, (_, i) => [{ key: "k", value: `v${i}` }]);
    await appendAll(log, batches, () => T0);
    expect(log.segmentBaseOffsets().length).toBeGreaterThan(2);
    // Everything cleanable is dirty: ratio 1 > 0.9.
    const hw = log.segmentBaseOffsets()[2]!;
    const first = await cleanLog(log, { highWatermark: hw });
    expect(first).toMatchObject({ cleaned: true, dirtyRatio: 1 });
    expect(log.firstDirtyOffset).toBe(hw);
    expect((await allRecords(log)).filter((r) => r.offset < hw)).toHaveLength(1);
    // Now the clean part is large against the new dirty part: below the ratio, no pass.
    await appendAll(log, [[{ key: "k", value: "late" }]], () => T0);
    const second = await cleanLog(log, { highWatermark: log.segmentBaseOffsets()[3] ?? hw });
    expect(second.cleaned).toBe(false);
  });

  it("does nothing for cleanup.policy=delete", async () => {
    const { log } = await compactedLog({ "cleanup.policy": "delete" });
    await appendAll(log, Array.from({ length: 20 }, (_, i) => [{ key: "k", value: `v${i}` }]), () => T0);
    expect((await cleanLog(log, { highWatermark: log.logEndOffset, force: true })).cleaned).toBe(false);
  });

  it("after a crash at any step of a cleaning pass, no record is lost or duplicated", async () => {
    const setup = async (seed: number) => {
      const ctx = await compactedLog({ "segment.bytes": "300" });
      const random = new SeededRandom(seed);
      const batches = Array.from({ length: 25 }, (_, i) => [{ key: `k${random.int(6)}`, value: `v${i}` }]);
      const appended = await appendAll(ctx.log, batches, () => T0);
      await ctx.log.flush();
      return { ...ctx, random, appended };
    };
    // A dry run counts the file operations of one pass; then every step is a crash point.
    const dry = await setup(1);
    const before = dry.io.mutations;
    await cleanLog(dry.log, { highWatermark: dry.log.logEndOffset });
    const steps = dry.io.mutations - before;
    expect(steps).toBeGreaterThan(20);
    for (let step = 1; step <= steps + 1; step++) {
      const { clock, io, config, log, random, appended } = await setup(1);
      let crashed: MemoryFileIO | undefined;
      const start = io.mutations;
      io.onMutation = (n) => {
        if (n - start === step) crashed = io.crash(random);
      };
      const hw = log.logEndOffset;
      await cleanLog(log, { highWatermark: hw }).catch(() => undefined);
      crashed ??= io.crash(random);
      await log.abandon();
      const reopened = await Log.open(DIR, config, { clock, io: crashed, recoveryPoint: hw });
      const after = await allRecords(reopened);
      const limit = reopened.activeSegment.baseOffset;
      // Between "not cleaned" and "fully cleaned": a subset of what was appended, in offset order,
      // every record at its offset, and the latest record of every key still there.
      const byOffset = new Map(appended.map((r) => [r.offset, r]));
      after.forEach((r, i) => {
        expect(byOffset.get(r.offset), `crash at step ${step}`).toEqual(r);
        if (i > 0) expect(r.offset, `crash at step ${step}`).toBeGreaterThan(after[i - 1]!.offset);
      });
      for (const r of expectedAfterClean(appended, limit, 0)) expect(after, `crash at step ${step}`).toContainEqual(r);
      await reopened.close();
    }
  });

  it("property: random keys, values and tombstones compact to the model", async () => {
    const recArb = fc.record({ key: fc.constantFrom("a", "b", "c", "d", "e", "f"), value: fc.option(fc.string({ maxLength: 30 }), { freq: 5, nil: null }) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(recArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 200, max: 900 }), async (batches, segmentBytes) => {
        const { log, clock } = await compactedLog({ "segment.bytes": String(segmentBytes) });
        const appended = await appendAll(log, batches, (i) => T0 + i);
        clock.advance(500 + batches.length);
        const hw = log.logEndOffset;
        await cleanLog(log, { highWatermark: hw, force: true });
        const limit = log.firstDirtyOffset;
        // delete.retention.ms = 1000: tombstones stay (they are at most ~540 ms old).
        expect(await allRecords(log)).toEqual(expectedAfterClean(appended, Math.max(limit, 0), 0));
        clock.advance(2000);
        await appendAll(log, [[{ key: "z", value: "end" }]], () => T0 + 10_000);
        await log.roll();
        await cleanLog(log, { highWatermark: log.logEndOffset, force: true });
        const all = await allRecords(log);
        const limit2 = log.firstDirtyOffset;
        expect(all).toEqual(expectedAfterClean([...appended, { offset: hw, key: "z", value: "end" }], limit2, Infinity));
        await log.close();
      }),
      { numRuns: 40 },
    );
  });
});
