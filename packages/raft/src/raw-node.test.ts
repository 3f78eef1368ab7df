// Smoke tests of the RawNode loop: a three-voter cluster elects a leader, replicates and commits.
import { describe, expect, it } from "vitest";
import { nodeId } from "@replog/common";
import { Network, text } from "./test-support/network.js";
import { drain, newNode, ofType } from "./test-support/fixtures.js";
import { validateMessage } from "./messages.js";

describe("RawNode", () => {
  it("elects a leader that appends a noop and commits it on every voter", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.elect(1);
    expect(net.leaders()).toEqual([nodeId(1)]);
    for (const t of net.nodes.values()) {
      expect(t.node.status().commit).toBe(1);
      expect(t.applied.map((e) => e.type)).toEqual(["noop"]);
    }
  });

  it("replicates proposals to every voter in order", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.elect(1);
    for (const s of ["a", "b", "c"]) expect(net.propose(1, s).ok).toBe(true);
    for (const t of net.nodes.values()) {
      expect(t.applied.filter((e) => e.type === "normal").map(text)).toEqual(["a", "b", "c"]);
      expect(t.storage.hardStateForTest().commit).toBe(4);
    }
  });

  it("a follower refuses proposals and names the leader", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.elect(1);
    expect(net.get(2).node.propose(new Uint8Array([1]))).toEqual({ ok: false, reason: "not-leader", leader: 1 });
  });

  it("a node ticked past its election timeout elects itself", () => {
    const net = new Network({ voters: [1, 2, 3] });
    for (let i = 0; i < 40 && net.leaders().length === 0; i++) net.tickAll();
    expect(net.leaders()).toHaveLength(1);
  });

  it("a single voter elects itself at once and commits alone", () => {
    const net = new Network({ voters: [1] });
    net.elect(1);
    expect(net.propose(1, "x")).toMatchObject({ ok: true, index: 2 });
    expect(net.get(1).applied.map((e) => e.index)).toEqual([1, 2]);
  });

  it("after a torn write kept term-5 entries but lost the term-5 hard state, the node adopts term 5 with no vote", () => {
    const h = newNode({ term: 4, vote: 2, log: [1, 4, 5, 5], config: { preVote: true } });
    expect(h.node.status()).toMatchObject({ term: 5, vote: null });
    expect(h.logger.lines.some((l) => l.msg?.includes("torn write"))).toBe(true);
    h.node.campaign();
    const rd = h.node.ready();
    expect(rd.hardState).toMatchObject({ term: 5, vote: null });
    const preVotes = ofType(rd.messages, "PreVote");
    expect(preVotes.map((m) => [m.term, m.lastLogTerm])).toEqual([
      [6, 5],
      [6, 5],
    ]);
    for (const m of preVotes) expect(validateMessage(m)).toBeNull();
    drain(h);
  });

  it("a stored commit index beyond the stored log (torn write) is lowered to the log's end, not trusted", () => {
    const h = newNode({ term: 2, log: [1, 2], commit: 5 });
    expect(h.node.status()).toMatchObject({ commit: 2, lastIndex: 2 });
    expect(h.logger.lines.some((l) => l.msg?.includes("beyond the stored log"))).toBe(true);
    drain(h);
    expect(h.storage.hardStateForTest().commit).toBe(2);
  });
});
