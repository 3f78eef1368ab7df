// Bad input from the network: malformed or out-of-term RPCs and messages from unknown nodes are
// dropped with a logged reason; never a crash, never a changed (or lost) vote.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { nodeId } from "@replog/common";
import { drain, makeLeader, newNode, step, type Harness } from "./test-support/fixtures.js";
import { MESSAGE_TYPES, validateMessage } from "./messages.js";

const entry = (index: number, term: number) => ({ index, term, type: "normal", data: new Uint8Array(0) });

/** A follower at term 2 that voted for node 2 and persisted that vote. */
function votedFollower(): Harness {
  const h = newNode({ term: 1, log: [1] });
  step(h, { type: "Vote", from: 2, to: 1, term: 2, lastLogIndex: 1, lastLogTerm: 1 });
  expect(h.storage.hardStateForTest()).toMatchObject({ term: 2, vote: 2 });
  return h;
}

function warned(h: Harness, text: string): boolean {
  return h.logger.lines.some((l) => l.level === "warn" && JSON.stringify(l).includes(text));
}

describe("malformed messages", () => {
  const base = { from: 3, to: 1, term: 3 };
  it.each([
    ["not an object", null, "not an object"],
    ["unknown type", { ...base, type: "Gossip" }, "unknown message type"],
    ["negative term", { ...base, term: -1, type: "Heartbeat", commit: 0 }, "term"],
    ["fractional index", { ...base, type: "Vote", lastLogIndex: 1.5, lastLogTerm: 1 }, "lastLogIndex"],
    ["string id", { ...base, from: "3", type: "HeartbeatResponse" }, "from"],
    ["last log term not below the campaign term", { ...base, type: "Vote", lastLogIndex: 1, lastLogTerm: 3 }, "lastLogTerm"],
    ["entries not contiguous", { ...base, type: "Append", prevLogIndex: 1, prevLogTerm: 1, commit: 0, entries: [entry(2, 3), entry(4, 3)] }, "contiguous"],
    ["entry term above the message term", { ...base, type: "Append", prevLogIndex: 1, prevLogTerm: 1, commit: 0, entries: [entry(2, 9)] }, "outside"],
    ["entry terms decreasing", { ...base, type: "Append", prevLogIndex: 1, prevLogTerm: 1, commit: 0, entries: [entry(2, 3), entry(3, 2)] }, "outside"],
    ["entry data not bytes", { ...base, type: "Append", prevLogIndex: 1, prevLogTerm: 1, commit: 0, entries: [{ ...entry(2, 3), data: "x" }] }, "bytes"],
    ["snapshot missing", { ...base, type: "Snapshot" }, "snapshot"],
    ["reject not boolean", { ...base, type: "VoteResponse", reject: "no" }, "reject"],
    ["rejection hint from a future term", { ...base, type: "AppendResponse", index: 1, reject: true, rejectHint: 1, hintTerm: 4 }, "hintTerm"],
    ["fetch position from a future term", { ...base, from: 7, type: "Fetch", fetchIndex: 1, lastFetchedTerm: 4 }, "lastFetchedTerm"],
  ])("%s: dropped with a logged reason, nothing changes", (_name, raw, reason) => {
    const h = votedFollower();
    const before = h.node.status();
    expect(() => h.node.step(raw)).not.toThrow();
    expect(drain(h)).toEqual([]);
    expect(h.node.status()).toEqual(before);
    expect(warned(h, reason)).toBe(true);
  });
});

describe("unexpected senders and terms", () => {
  it("a vote request from an unknown node is rejected with a reason and the persisted vote is kept", () => {
    const h = votedFollower();
    const out = step(h, { type: "Vote", from: 9, to: 1, term: 7, lastLogIndex: 10, lastLogTerm: 6 });
    expect(out).toEqual([]);
    expect(h.node.status()).toMatchObject({ term: 2, vote: 2 });
    expect(h.storage.hardStateForTest()).toMatchObject({ term: 2, vote: 2 });
    expect(warned(h, "unknown sender 9")).toBe(true);
  });

  it("a second candidate in the same term is refused: the vote is never lost or changed", () => {
    const h = votedFollower();
    const [resp] = step(h, { type: "Vote", from: 3, to: 1, term: 2, lastLogIndex: 5, lastLogTerm: 1 });
    expect(resp).toMatchObject({ type: "VoteResponse", reject: true });
    expect(h.storage.hardStateForTest()).toMatchObject({ term: 2, vote: 2 });
  });

  it("a message addressed to another node is dropped", () => {
    const h = votedFollower();
    expect(step(h, { type: "Heartbeat", from: 2, to: 3, term: 2, commit: 1 })).toEqual([]);
    expect(warned(h, "not to us")).toBe(true);
  });

  it("a vote response from an older term is not counted", () => {
    const h = newNode({ term: 1 });
    h.node.campaign(); // term 2
    drain(h);
    h.node.campaign(); // term 3
    drain(h);
    step(h, { type: "VoteResponse", from: 2, to: 1, term: 2, reject: false });
    expect(h.node.status()).toMatchObject({ role: "candidate", term: 3 });
  });

  it("with the planted bug countVotesFromOlderTerms, that stale vote elects the candidate", () => {
    const h = newNode({ term: 1, config: { plantedBugs: { countVotesFromOlderTerms: true } } });
    h.node.campaign();
    drain(h);
    h.node.campaign();
    drain(h);
    step(h, { type: "VoteResponse", from: 2, to: 1, term: 2, reject: false });
    expect(h.node.status()).toMatchObject({ role: "leader", term: 3 });
  });

  it("an AppendResponse claiming more than the leader's log is dropped, not counted", () => {
    const h = newNode({ term: 1 });
    makeLeader(h);
    step(h, { type: "AppendResponse", from: 2, to: 1, term: 2, index: 99, reject: false, rejectHint: 0, hintTerm: 0 });
    expect(h.node.status().commit).toBe(0);
    expect(h.node.status().progress?.get(nodeId(2))?.match).toBe(0);
  });

  it("a heartbeat asking to commit beyond the follower's log does not commit", () => {
    const h = newNode({ term: 2, log: [1, 2] });
    step(h, { type: "Heartbeat", from: 2, to: 1, term: 2, commit: 9 });
    expect(h.node.status().commit).toBe(0);
    expect(warned(h, "beyond our log")).toBe(true);
  });
});

describe("fuzzing", () => {
  // Near-valid messages: right types and field names, with values drawn from small ranges so that
  // many pass validation and reach the protocol code in every role.
  const num = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(-1, 0.5, Number.NaN, 2 ** 60));
  const arbEntry = fc.record({ index: num, term: num, type: fc.constantFrom("normal", "noop", "bad"), data: fc.constant(new Uint8Array(1)) });
  const arbMessage = fc.record({
    type: fc.constantFrom(...MESSAGE_TYPES),
    from: fc.integer({ min: 0, max: 5 }),
    to: fc.constant(1),
    term: num,
    lastLogIndex: num,
    lastLogTerm: num,
    reject: fc.boolean(),
    prevLogIndex: num,
    prevLogTerm: num,
    entries: fc.array(arbEntry, { maxLength: 3 }),
    commit: num,
    index: num,
    rejectHint: num,
    hintTerm: num,
    fetchIndex: num,
    lastFetchedTerm: num,
    outcome: fc.constantFrom("entries", "diverging", "not-leader"),
    leaderHint: fc.constantFrom(null, 1, 2),
  });

  it.each(["follower", "candidate", "leader", "observer"] as const)("a %s never throws on arbitrary messages and keeps its invariants", (role) => {
    fc.assert(
      fc.property(fc.array(fc.oneof(arbMessage, fc.anything()), { maxLength: 30 }), (msgs) => {
        const h = newNode({ id: role === "observer" ? 4 : 1, term: 1, log: [1], config: role === "observer" ? { role: "observer" } : { preVote: true, checkQuorum: true } });
        if (role === "candidate") h.node.campaign();
        if (role === "leader") makeLeader(h);
        drain(h);
        for (const m of msgs) {
          const target = role === "observer" && typeof m === "object" && m !== null && "to" in m ? { ...m, to: 4 } : m;
          h.node.step(target);
          h.node.tick();
          drain(h);
          const s = h.node.status();
          expect(s.commit).toBeLessThanOrEqual(s.lastIndex);
          expect(s.applied).toBeLessThanOrEqual(s.commit);
          expect(s.term).toBeGreaterThanOrEqual(1);
        }
      }),
      { seed: 20261122, numRuns: 150 },
    );
  });

  it("validateMessage accepts what the core itself sends", () => {
    const h = newNode({ term: 1, log: [1, 1] });
    makeLeader(h);
    h.node.propose(new Uint8Array([7]));
    h.node.tick();
    for (const m of drain(h)) expect(validateMessage(m)).toBeNull();
  });
});
