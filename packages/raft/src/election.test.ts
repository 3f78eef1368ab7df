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

  it("two pre-candidates that time out together do not split the vote: the higher-ranked one wins at once", () => {
    const net = new Network({ voters: [1, 2, 3], config: { preVote: true, checkQuorum: true } });
    net.isolate(1); // The dead leader.
    net.get(2).node.campaign();
    net.get(3).node.campaign();
    // Both pre-votes are in flight before either arrives.
    const crossing = [...net.processReady(net.get(2)), ...net.processReady(net.get(3))];
    for (const m of crossing) net.deliver(m);
    net.stabilize();
    expect(net.leaders()).toEqual([nodeId(3)]);
    expect(net.get(2).node.status()).toMatchObject({ term: 1, vote: 3, leader: 3 });
  });

  it("right after it starts, a pre-candidate grants another pre-candidate only if it outranks it (log, then id)", () => {
    const preCandidate = (id: number, log: number[]) => {
      const h = newNode({ id, term: 1, log, config: { preVote: true, checkQuorum: true } });
      h.node.campaign();
      drain(h);
      return h;
    };
    const ask = (h: ReturnType<typeof preCandidate>, from: number, lastLogIndex: number, lastLogTerm: number) =>
      ofType(step(h, { type: "PreVote", from, to: h.id, term: 2, lastLogIndex, lastLogTerm }), "PreVoteResponse")[0];
    expect(ask(preCandidate(2, [1]), 1, 1, 1)).toMatchObject({ reject: true, term: 1 }); // Equal log, lower id.
    expect(ask(preCandidate(2, [1]), 3, 1, 1)).toMatchObject({ reject: false, term: 2 }); // Equal log, higher id.
    expect(ask(preCandidate(2, [1]), 1, 2, 1)).toMatchObject({ reject: false, term: 2 }); // Longer log.
    expect(ask(preCandidate(2, [1, 1]), 3, 1, 1)).toMatchObject({ reject: true }); // Shorter log: §5.4.1 as ever.
  });

  it("half an election timeout into its round, a pre-candidate grants any up-to-date pre-vote again", () => {
    const h = newNode({ id: 2, term: 1, log: [1], config: { preVote: true, checkQuorum: true } });
    h.node.campaign();
    for (let i = 0; i < 4; i++) h.node.tick(); // electionTick is 10: the window is 5 ticks.
    const early = ofType(step(h, { type: "PreVote", from: 1, to: 2, term: 2, lastLogIndex: 1, lastLogTerm: 1 }), "PreVoteResponse");
    expect(early[0]).toMatchObject({ reject: true });
    h.node.tick(); // Our own round got no answer within half an election timeout: it is stuck.
    expect(h.node.status().role).toBe("pre-candidate");
    const [resp] = ofType(step(h, { type: "PreVote", from: 1, to: 2, term: 2, lastLogIndex: 1, lastLogTerm: 1 }), "PreVoteResponse");
    expect(resp).toMatchObject({ reject: false, term: 2 });
  });

  it("a follower that forgot its leader grants pre-votes at once, and follows the leader again when it is heard", () => {
    const h = newNode({ term: 2, log: [1, 2], config: { preVote: true, checkQuorum: true } });
    step(h, { type: "Heartbeat", from: 2, to: 1, term: 2, commit: 0 });
    const preVote = { type: "PreVote", from: 3, to: 1, term: 3, lastLogIndex: 2, lastLogTerm: 2 } as const;
    expect(step(h, preVote)).toEqual([]); // In lease: ignored.
    h.node.forgetLeader();
    expect(h.node.status()).toMatchObject({ role: "follower", term: 2, leader: null });
    expect(ofType(step(h, preVote), "PreVoteResponse")[0]).toMatchObject({ reject: false, term: 3 });
    expect(h.node.status()).toMatchObject({ term: 2, vote: null });
    step(h, { type: "Heartbeat", from: 2, to: 1, term: 2, commit: 0 });
    expect(h.node.status()).toMatchObject({ role: "follower", term: 2, leader: 2 });
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
