// Replication flow control beyond the paper: fast backtracking (Raft §5.3, last paragraphs) and the
// bounded inflights window (etcd tracker/inflights.go).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { nodeId } from "@replog/common";
import { Network } from "./test-support/network.js";
import { ackAll, drain, entries, logTerms, makeLeader, newNode, ofType, step } from "./test-support/fixtures.js";
import { MemoryStorage } from "./storage.js";

function divergedNetwork(leaderLog: number[], followerLog: number[]) {
  const voters = [1, 2, 3].map(nodeId);
  const storages = new Map<number, MemoryStorage>();
  // Everyone starts in the highest term seen, so node 1's campaign is never refused for its term.
  const highest = Math.max(0, ...leaderLog, ...followerLog);
  const fill = (id: number, log: number[]) => {
    const s = new MemoryStorage(voters);
    s.append(entries(...log));
    s.setHardState({ term: highest as never, vote: null, commit: 0 as never });
    storages.set(id, s);
  };
  fill(1, leaderLog);
  fill(2, followerLog);
  fill(3, []);
  return new Network({ voters: [1, 2, 3], storages, config: { preVote: false, maxEntriesPerMsg: 1000 } });
}

const repeat = (t: number, n: number) => Array<number>(n).fill(t);

describe("fast backtracking", () => {
  it("the leader finds the match in one rejection per conflicting term, not one per entry", () => {
    // 150 conflicting entries in two terms on the follower.
    const leaderLog = [1, ...repeat(4, 100)];
    const followerLog = [1, ...repeat(2, 50), ...repeat(3, 100)];
    const net = divergedNetwork(leaderLog, followerLog);
    net.elect(1);
    const rejections = net.delivered.filter((m) => m.type === "AppendResponse" && m.from === 2 && m.reject);
    expect(rejections.length).toBeLessThanOrEqual(2);
    expect(logTerms(net.get(2).storage)).toEqual([...leaderLog, 5]);
  });

  it("for random diverged logs, rejections never exceed the number of conflicting terms plus one", () => {
    // Suffixes after a common prefix use disjoint terms (leader even, follower odd), as Raft's Log
    // Matching Property guarantees for real logs: equal term at an index means equal prefixes.
    const suffix = (parity: number) =>
      fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 5 }).map((runs) => {
        const terms: number[] = [];
        runs.forEach((len, k) => terms.push(...repeat(2 + 2 * k + parity, len)));
        return terms;
      });
    fc.assert(
      fc.property(fc.array(fc.constant(1), { minLength: 1, maxLength: 5 }), suffix(0), suffix(1), (prefix, leaderSuffix, followerSuffix) => {
        const net = divergedNetwork([...prefix, ...leaderSuffix], [...prefix, ...followerSuffix]);
        net.elect(1);
        expect(net.get(1).node.status().role).toBe("leader");
        const rejections = net.delivered.filter((m) => m.type === "AppendResponse" && m.from === 2 && m.reject).length;
        const conflictingTerms = new Set([...leaderSuffix, ...followerSuffix]).size;
        expect(rejections).toBeLessThanOrEqual(conflictingTerms + 1);
        expect(logTerms(net.get(2).storage)).toEqual(logTerms(net.get(1).storage));
      }),
      { seed: 5150, numRuns: 300 },
    );
  });

  it("a follower that is merely behind is found in one rejection", () => {
    const net = divergedNetwork([1, ...repeat(2, 200)], [1, 2]);
    net.elect(1);
    const rejections = net.delivered.filter((m) => m.type === "AppendResponse" && m.from === 2 && m.reject);
    expect(rejections).toHaveLength(1);
    expect(net.get(2).node.status().lastIndex).toBe(202);
  });

  it("the rejection carries the follower's hint: the last index whose term is <= the leader's prevLogTerm", () => {
    const h = newNode({ term: 5, log: [1, 2, 2, 3, 3, 3] });
    const [resp] = step(h, { type: "Append", from: 2, to: 1, term: 5, prevLogIndex: 8, prevLogTerm: 2, entries: [], commit: 0 });
    expect(resp).toMatchObject({ type: "AppendResponse", reject: true, index: 8, rejectHint: 3, hintTerm: 2 });
  });
});

describe("inflights window", () => {
  it("the leader keeps at most maxInflightMsgs unacknowledged Appends per follower", () => {
    const h = newNode({ term: 1, config: { maxInflightMsgs: 3, maxEntriesPerMsg: 1 } });
    makeLeader(h);
    ackAll(h, [2, 3]);
    const sent = [];
    for (let i = 0; i < 10; i++) {
      expect(h.node.propose(new Uint8Array([i])).ok).toBe(true);
      sent.push(...drain(h));
    }
    const to2 = ofType(sent, "Append").filter((m) => m.to === 2);
    expect(to2.map((m) => m.entries[0]?.index)).toEqual([2, 3, 4]);
    // Acknowledging the first frees one slot, and exactly one more Append goes out.
    const more = step(h, { type: "AppendResponse", from: 2, to: 1, term: 2, index: 2, reject: false, rejectHint: 0, hintTerm: 0 });
    expect(ofType(more, "Append").filter((m) => m.to === 2).map((m) => m.entries[0]?.index)).toEqual([5]);
  });

  it("a heartbeat response from a follower with a full window lets one Append through", () => {
    const h = newNode({ term: 1, config: { maxInflightMsgs: 2, maxEntriesPerMsg: 1 } });
    makeLeader(h);
    ackAll(h, [2, 3]);
    for (let i = 0; i < 5; i++) h.node.propose(new Uint8Array([i]));
    drain(h);
    const out = step(h, { type: "HeartbeatResponse", from: 2, to: 1, term: 2 });
    expect(ofType(out, "Append").filter((m) => m.to === 2)).toHaveLength(1);
  });

  it("a proposal beyond maxUncommittedEntries is refused as too-many-pending", () => {
    const h = newNode({ term: 1, config: { maxUncommittedEntries: 3 } });
    makeLeader(h);
    drain(h);
    // The noop is uncommitted too: two proposals fill the bound.
    expect(h.node.propose(new Uint8Array([1])).ok).toBe(true);
    expect(h.node.propose(new Uint8Array([2])).ok).toBe(true);
    expect(h.node.propose(new Uint8Array([3]))).toEqual({ ok: false, reason: "too-many-pending", leader: 1 });
  });
});

describe("commit propagation", () => {
  it("heartbeats carry min(follower match, commit) so a follower never commits entries it may not hold", () => {
    const h = newNode({ term: 1 });
    makeLeader(h);
    ackAll(h, [2]);
    h.node.propose(new Uint8Array([1]));
    drain(h);
    step(h, { type: "AppendResponse", from: 2, to: 1, term: 2, index: 2, reject: false, rejectHint: 0, hintTerm: 0 });
    expect(h.node.status().commit).toBe(2);
    h.node.tick();
    const beats = ofType(drain(h), "Heartbeat");
    expect(beats.map((m) => [m.to, m.commit])).toEqual([
      [2, 2],
      [3, 0],
    ]);
  });

  it("a leader keeps every committed entry across many proposals and a leader change", () => {
    const net = new Network({ voters: [1, 2, 3], config: { maxEntriesPerMsg: 4 } });
    net.elect(1);
    for (let i = 0; i < 20; i++) net.propose(1, `a${i}`);
    net.get(1).node.transferLeadership(nodeId(3));
    net.stabilize();
    for (let i = 0; i < 20; i++) net.propose(3, `b${i}`);
    const logs = [1, 2, 3].map((id) => net.get(id).applied.map((e) => `${e.term}/${e.index}`));
    expect(logs[1]).toEqual(logs[0]);
    expect(logs[2]).toEqual(logs[0]);
    expect(logs[0]).toHaveLength(42);
  });
});
