// Election refinements beyond the paper's §5.2: pre-vote (thesis §9.6, KIP-996), check-quorum
// (thesis §6.2) and leadership transfer (thesis §3.10).
import { describe, expect, it } from "vitest";
import { nodeId } from "@replog/common";
import { Network } from "./test-support/network.js";
import { drain, makeLeader, newNode, ofType, step } from "./test-support/fixtures.js";

describe("pre-vote", () => {
  it("a partitioned voter that rejoins does not inflate its term or disrupt the leader", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.elect(1);
    const term = net.get(1).node.status().term;
    net.isolate(3);
    net.tickAll(100, [3]); // Ten election timeouts alone: every pre-vote goes unanswered.
    expect(net.get(3).node.status().term).toBe(term);
    net.recover();
    net.tickAll(30);
    expect(net.leaders()).toEqual([nodeId(1)]);
    for (const t of net.nodes.values()) expect(t.node.status().term).toBe(term);
  });

  it("without pre-vote the same rejoin inflates the term and deposes the leader (why pre-vote exists)", () => {
    const net = new Network({ voters: [1, 2, 3], config: { preVote: false } });
    net.elect(1);
    const term = net.get(1).node.status().term;
    net.isolate(3);
    net.tickAll(100, [3]);
    expect(net.get(3).node.status().term).toBeGreaterThan(term + 3);
    net.recover();
    net.tickAll(30);
    expect(net.get(1).node.status().term).toBeGreaterThan(term);
  });

  it("a pre-vote grant changes neither the voter's term nor its vote", () => {
    const h = newNode({ term: 1, config: { preVote: true } });
    const [resp] = step(h, { type: "PreVote", from: 2, to: 1, term: 2, lastLogIndex: 0, lastLogTerm: 0 });
    expect(resp).toMatchObject({ type: "PreVoteResponse", term: 2, reject: false });
    expect(h.node.status()).toMatchObject({ term: 1, vote: null });
  });

  it("a pre-candidate becomes a candidate only after a majority grants the pre-vote", () => {
    const h = newNode({ term: 1, config: { preVote: true } });
    h.node.campaign();
    const pre = ofType(drain(h), "PreVote");
    expect(pre.map((m) => m.term)).toEqual([2, 2]);
    expect(h.node.status()).toMatchObject({ role: "pre-candidate", term: 1 });
    const out = step(h, { type: "PreVoteResponse", from: 2, to: 1, term: 2, reject: false });
    expect(h.node.status()).toMatchObject({ role: "candidate", term: 2, vote: 1 });
    expect(ofType(out, "Vote")).toHaveLength(2);
  });

  it("a follower that still hears its leader ignores vote requests for a higher term (lease)", () => {
    const h = newNode({ term: 2, config: { preVote: true, checkQuorum: true } });
    step(h, { type: "Heartbeat", from: 2, to: 1, term: 2, commit: 0 });
    const out = step(h, { type: "Vote", from: 3, to: 1, term: 3, lastLogIndex: 5, lastLogTerm: 2 });
    expect(out).toEqual([]);
    expect(h.node.status()).toMatchObject({ term: 2, leader: 2, vote: null });
  });
});

describe("check-quorum", () => {
  it("a leader that cannot hear a majority for a whole election timeout steps down", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.elect(1);
    net.isolate(1);
    // Activity is checked per election-timeout window; the window in progress when the partition
    // starts still saw the followers, so the leader steps down at the end of the next one.
    net.tickAll(19, [1]);
    expect(net.get(1).node.status().role).toBe("leader");
    net.tickAll(1, [1]);
    expect(net.get(1).node.status()).toMatchObject({ role: "follower", leader: null });
    expect(net.logger.lines.some((l) => l.bindings.nodeId === 1 && l.msg?.includes("check-quorum"))).toBe(true);
  });

  it("the majority side elects a new leader while the old one is cut off", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.elect(1);
    net.isolate(1);
    expect(net.tickUntil(() => net.leaders().some((id) => id !== 1))).toBe(true);
    net.tickAll(20, [1]);
    expect(net.get(1).node.status().role).toBe("follower");
  });

  it("without check-quorum an isolated leader keeps believing it leads", () => {
    const net = new Network({ voters: [1, 2, 3], config: { checkQuorum: false } });
    net.elect(1);
    net.isolate(1);
    net.tickAll(30, [1]);
    expect(net.get(1).node.status().role).toBe("leader");
  });

  it("a leader hearing one follower of two keeps leading", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.elect(1);
    net.cut(1, 3);
    net.cut(2, 3);
    net.tickAll(30, [1, 2]);
    expect(net.get(1).node.status().role).toBe("leader");
  });
});

describe("leadership transfer", () => {
  it("the leader sends TimeoutNow to an up-to-date target, which wins at once (skipping pre-vote)", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.elect(1);
    const term = net.get(1).node.status().term;
    net.get(1).node.transferLeadership(nodeId(2));
    net.stabilize();
    expect(net.leaders()).toEqual([nodeId(2)]);
    expect(net.get(2).node.status().term).toBe(term + 1);
    expect(net.delivered.some((m) => m.type === "TimeoutNow" && m.to === 2)).toBe(true);
  });

  it("a lagging target is caught up first, then told to campaign", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.elect(1);
    net.isolate(2);
    for (const s of ["a", "b", "c"]) net.propose(1, s);
    net.recover();
    net.get(1).node.transferLeadership(nodeId(2));
    net.stabilize();
    expect(net.leaders()).toEqual([nodeId(2)]);
    expect(net.get(2).node.status().commit).toBeGreaterThanOrEqual(5);
  });

  it("proposals are refused while a transfer is in progress, and accepted again once it is abandoned", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.elect(1);
    net.cut(1, 2);
    net.get(1).node.transferLeadership(nodeId(2));
    expect(net.propose(1, "x")).toMatchObject({ ok: false, reason: "transferring" });
    net.tickAll(10, [1]);
    expect(net.get(1).node.status().role).toBe("leader");
    expect(net.propose(1, "x")).toMatchObject({ ok: true });
  });

  it("a transfer to ourselves or to a non-voter is ignored with a logged reason", () => {
    const h = newNode({ term: 1 });
    makeLeader(h);
    h.node.transferLeadership(nodeId(1));
    h.node.transferLeadership(nodeId(9));
    expect(drain(h)).toEqual([]);
    expect(h.logger.lines.filter((l) => l.msg?.includes("ignoring leadership transfer"))).toHaveLength(2);
  });
});
