// Kafka's LeaderEpochFileCacheTest cases, as rules of kafka-replication.md §4.2.
import { describe, expect, it } from "vitest";
import { leaderEpoch as e, offset as o, NO_EPOCH, type LeaderEpoch, type Offset } from "@replog/common";
import { LeaderEpochCache, LeaderEpochCheckpointFile } from "./leader-epoch-cache.js";
import { CheckpointFormatError } from "./checkpoint-file.js";
import { MemoryFileIO } from "./memory-file-io.js";

function cache(...pairs: Array<[number, number]>): LeaderEpochCache {
  const c = new LeaderEpochCache();
  for (const [epoch, start] of pairs) c.assign(e(epoch), o(start));
  return c;
}
const end = (c: LeaderEpochCache, requested: number, leo: number): [number, number] => {
  const r = c.endOffsetFor(requested as LeaderEpoch, leo as Offset);
  return [r.epoch, r.endOffset];
};

describe("LeaderEpochCache.assign", () => {
  it("adds a new epoch and ignores a later start for the same epoch", () => {
    const c = cache([2, 6], [2, 7]);
    expect(c.describe()).toBe("[2@6]");
  });

  it("moves the latest epoch's start down when given a lower one", () => {
    expect(cache([2, 6], [2, 5]).describe()).toBe("[2@5]");
  });

  it("removes entries that would break monotonicity (epoch >= new, or start >= new)", () => {
    expect(cache([2, 6], [3, 5]).describe()).toBe("[3@5]");
    expect(cache([2, 6], [3, 8], [1, 7]).describe()).toBe("[1@7]");
    expect(cache([2, 6], [3, 8], [4, 8]).describe()).toBe("[2@6, 4@8]");
  });

  it("refuses a negative epoch or offset as a broken invariant", () => {
    expect(() => new LeaderEpochCache().assign(NO_EPOCH, o(0))).toThrow(/invalid epoch entry/);
  });
});

describe("LeaderEpochCache.endOffsetFor (Kafka's exact semantics)", () => {
  it("answers (-1, -1) for the undefined epoch and for an empty cache", () => {
    expect(end(cache([2, 6]), -1, 73)).toEqual([-1, -1]);
    expect(end(new LeaderEpochCache(), 3, 10)).toEqual([-1, -1]);
  });

  it("answers the LEO for the latest epoch", () => {
    expect(end(cache([2, 5], [3, 6], [4, 7]), 4, 12)).toEqual([4, 12]);
  });

  it("answers the start of the next higher epoch for an older epoch", () => {
    expect(end(cache([1, 0], [2, 3]), 1, 6)).toEqual([1, 3]);
  });

  it("answers the largest epoch below a missing one, with the next higher start", () => {
    const c = cache([0, 10], [2, 13], [4, 17]);
    expect(end(c, 1, 0)).toEqual([0, 13]);
    expect(end(c, 2, 0)).toEqual([2, 17]);
    expect(end(c, 3, 0)).toEqual([2, 17]);
  });

  it("answers (requested, first start) for an epoch below every cached one", () => {
    expect(end(cache([5, 11]), 4, 0)).toEqual([4, 11]);
  });

  it("answers (-1, -1) for an epoch above every cached one", () => {
    expect(end(cache([2, 100]), 3, 100)).toEqual([-1, -1]);
  });
});

describe("LeaderEpochCache truncation", () => {
  it("truncateFromEnd drops entries starting at or after the offset", () => {
    const c = cache([2, 6], [3, 8], [4, 11]);
    expect(c.truncateFromEnd(o(9))).toBe(true);
    expect(c.describe()).toBe("[2@6, 3@8]");
    c.truncateFromEnd(o(8));
    expect(c.describe()).toBe("[2@6]");
    expect(c.truncateFromEnd(o(100))).toBe(false);
  });

  it("truncateFromStart moves the covering epoch's start up and drops older ones", () => {
    const c = cache([2, 6], [3, 8], [4, 11]);
    expect(c.truncateFromStart(o(5))).toBe(false);
    c.truncateFromStart(o(8));
    expect(c.describe()).toBe("[3@8, 4@11]");
    c.truncateFromStart(o(9));
    expect(c.describe()).toBe("[3@9, 4@11]");
    c.truncateFromStart(o(12));
    expect(c.describe()).toBe("[4@12]");
  });

  it("epochForOffset finds the epoch that wrote an offset", () => {
    const c = cache([2, 6], [3, 8]);
    expect([c.epochForOffset(o(5)), c.epochForOffset(o(6)), c.epochForOffset(o(7)), c.epochForOffset(o(100))]).toEqual([undefined, 2, 2, 3]);
  });
});

describe("leader-epoch-checkpoint file", () => {
  it("writes Kafka's format and reads it back", async () => {
    const io = new MemoryFileIO();
    await io.mkdir("/p");
    const file = new LeaderEpochCheckpointFile(io, "/p/leader-epoch-checkpoint");
    expect(await file.read()).toEqual([]);
    await file.write(cache([0, 0], [3, 120]).all());
    expect((await io.readFile("/p/leader-epoch-checkpoint"))!.toString()).toBe("0\n2\n0 0\n3 120\n");
    expect(await file.read()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 120 }]);
  });

  it("refuses malformed or non-monotonic content", async () => {
    const io = new MemoryFileIO();
    await io.mkdir("/p");
    const file = new LeaderEpochCheckpointFile(io, "/p/leader-epoch-checkpoint");
    for (const text of ["1\n0\n", "0\n2\n1 5\n", "0\n1\n1 x\n", "0\n2\n3 5\n2 9\n", "0\n1\n-1 5\n"]) {
      const f = await io.open(file.path, "w+");
      await f.write(Buffer.from(text), 0, text.length, 0);
      await expect(file.read()).rejects.toBeInstanceOf(CheckpointFormatError);
    }
  });
});
