// The quorum math against naive definitions (etcd quorum/quick_test.go): the committed index is
// the largest index that at least a majority of voters have acknowledged, and a vote is won
// exactly when a majority granted, lost exactly when a majority can no longer grant.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { logIndex, nodeId, type LogIndex, type NodeId } from "@replog/common";
import { committedIndex, majority, voteResult } from "./majority.js";

function naiveCommitted(acks: readonly number[]): number {
  let best = 0;
  for (const candidate of acks) {
    const holders = acks.filter((a) => a >= candidate).length;
    if (holders >= majority(acks.length) && candidate > best) best = candidate;
  }
  return best;
}

describe("quorum/majority", () => {
  it("committedIndex equals the naive largest index acknowledged by a majority", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 7 }), (acks) => {
        const voters = acks.map((_, i) => nodeId(i + 1));
        const acked = (id: NodeId): LogIndex | undefined => logIndex(acks[id - 1]!);
        expect(committedIndex(voters, acked)).toBe(naiveCommitted(acks));
      }),
      { seed: 11, numRuns: 2000 },
    );
  });

  it("voteResult matches the definition of won, lost and pending", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(true, false, undefined), { minLength: 1, maxLength: 7 }), (raw) => {
        const voters = raw.map((_, i) => nodeId(i + 1));
        const votes = new Map<NodeId, boolean>();
        raw.forEach((v, i) => v !== undefined && votes.set(nodeId(i + 1), v));
        const granted = raw.filter((v) => v === true).length;
        const open = raw.filter((v) => v === undefined).length;
        const need = Math.floor(raw.length / 2) + 1;
        const expected = granted >= need ? "won" : granted + open < need ? "lost" : "pending";
        expect(voteResult(voters, votes)).toBe(expected);
      }),
      { seed: 12, numRuns: 2000 },
    );
  });

  it("votes from non-voters are not counted", () => {
    const votes = new Map([[nodeId(9), true], [nodeId(8), true], [nodeId(1), true]]);
    expect(voteResult([1, 2, 3].map(nodeId), votes)).toBe("pending");
  });
});
