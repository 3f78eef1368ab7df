// The leader-epoch cache rules of reference §4.2 (Kafka LeaderEpochFileCacheTest), as kept by
// MemoryPartitionLog and answered by `epochEndOffset`.

import { leaderEpoch, offset } from "@replog/common";
import { describe, expect, it } from "vitest";
import { MemoryPartitionLog } from "./memory-partition-log.js";
import { epochEndOffset } from "./partition-log.js";

const e = leaderEpoch;
const o = offset;

describe("epochEndOffset (LeaderEpochFileCache.endOffsetFor)", () => {
  const entries = [
    { epoch: e(2), startOffset: o(5) },
    { epoch: e(4), startOffset: o(10) },
    { epoch: e(7), startOffset: o(20) },
  ];

  it("answers the LEO for the latest epoch", () => {
    expect(epochEndOffset(entries, e(7), o(25))).toEqual({ epoch: 7, endOffset: 25 });
  });

  it("answers the largest epoch <= the requested one with the next epoch's start", () => {
    expect(epochEndOffset(entries, e(4), o(25))).toEqual({ epoch: 4, endOffset: 20 });
    expect(epochEndOffset(entries, e(5), o(25))).toEqual({ epoch: 4, endOffset: 20 });
    expect(epochEndOffset(entries, e(3), o(25))).toEqual({ epoch: 2, endOffset: 10 });
  });

  it("answers the first start for an epoch below every cached one", () => {
    expect(epochEndOffset(entries, e(1), o(25))).toEqual({ epoch: 1, endOffset: 5 });
  });

  it("is undefined for -1, an epoch above the latest, and an empty cache", () => {
    expect(epochEndOffset(entries, e(-1), o(25))).toBeUndefined();
    expect(epochEndOffset(entries, e(8), o(25))).toBeUndefined();
    expect(epochEndOffset([], e(1), o(0))).toBeUndefined();
  });
});

describe("MemoryPartitionLog epoch cache maintenance", () => {
  it("assigns on a new epoch only, keeping both columns strictly increasing", () => {
    const log = new MemoryPartitionLog();
    log.appendAsLeader(3, e(1));
    log.appendAsLeader(2, e(1));
    log.assignEpochStartOffset(e(3), o(5));
    expect(log.epochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 5 },
    ]);
    // An entry for an older epoch drops every entry that is not below it in both columns.
    log.assignEpochStartOffset(e(2), o(4));
    expect(log.epochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 4 },
    ]);
  });

  it("drops entries at or above a truncation point and moves the first one up with the log start", () => {
    const log = new MemoryPartitionLog();
    log.appendAsLeader(5, e(1));
    log.appendAsLeader(5, e(2));
    log.appendAsLeader(5, e(3));
    log.truncateTo(o(10));
    expect(log.epochEntries().map((entry) => entry.epoch)).toEqual([1, 2]);
    expect(log.logEndOffset()).toBe(10);
    log.advanceLogStartOffset(o(7));
    expect(log.epochEntries()).toEqual([{ epoch: 2, startOffset: 7 }]);
    expect(log.epochAt(o(7))).toBe(2);
    expect(log.logStartOffset()).toBe(7);
  });

  it("truncation below the log start restarts the log there", () => {
    const log = new MemoryPartitionLog();
    log.appendAsLeader(5, e(1));
    log.advanceLogStartOffset(o(3));
    log.truncateTo(o(1));
    expect([log.logStartOffset(), log.logEndOffset(), log.latestEpoch()]).toEqual([1, 1, undefined]);
  });
});
