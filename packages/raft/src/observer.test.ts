// Observers (KRaft's non-voting replicas; our brokers): they pull the log with Fetch from the
// leader, never vote or campaign, and are never counted for commit.
import { describe, expect, it } from "vitest";
import { nodeId } from "@replog/common";
import { Network, bytes, text } from "./test-support/network.js";
import { entries, logTerms, makeLeader, newNode, step } from "./test-support/fixtures.js";
import { MemoryStorage } from "./storage.js";

describe("observers", () => {
  it("an observer follows the committed log by fetching from the leader", () => {
    const net = new Network({ voters: [1, 2, 3], observers: [4] });
    net.elect(1);
    for (const s of ["a", "b"]) net.propose(1, s);
    net.tickAll(3);
    const observer = net.get(4);
    expect(observer.node.status()).toMatchObject({ role: "observer", leader: 1, commit: 3 });
    expect(observer.applied.filter((e) => e.type === "normal").map(text)).toEqual(["a", "b"]);
    expect(net.delivered.some((m) => m.type === "Append" && m.to === 4)).toBe(false);
    expect(net.get(1).node.status().observers?.get(nodeId(4))).toBe(3);
  });

  it("an observer never votes or campaigns, even when the leader is gone", () => {
    const net = new Network({ voters: [1, 2, 3], observers: [4] });
    net.elect(1);
    net.isolate(1);
    net.tickAll(60);
    const fromObserver = net.delivered.filter((m) => m.from === 4).map((m) => m.type);
    expect(new Set(fromObserver)).toEqual(new Set(["Fetch"]));
    expect(net.get(4).node.status().role).toBe("observer");
    expect(net.leaders().filter((id) => id !== 1)).toHaveLength(1);
  });

  it("an observer holding the entries does not count towards commit", () => {
    const net = new Network({ voters: [1, 2, 3], observers: [4] });
    net.elect(1);
    net.cut(1, 2);
    net.cut(1, 3);
    net.propose(1, "x");
    net.tickAll(3, [1, 4]);
    expect(net.get(4).node.status().lastIndex).toBe(2);
    expect(net.get(1).node.status().commit).toBe(1);
    expect(net.get(4).node.status().commit).toBe(1);
  });

  it("a follower answers a Fetch with a hint naming the leader it knows", () => {
    const h = newNode({ id: 2, term: 3 });
    step(h, { type: "Heartbeat", from: 1, to: 2, term: 3, commit: 0 });
    const [resp] = step(h, { type: "Fetch", from: 4, to: 2, term: 0, fetchIndex: 0, lastFetchedTerm: 0 });
    expect(resp).toMatchObject({ type: "FetchResponse", outcome: "not-leader", leaderHint: 1, term: 3 });
  });

  it("an observer that first asks a follower is redirected to the leader", () => {
    const net = new Network({ voters: [1, 2, 3], observers: [4], seed: 5 });
    net.elect(1);
    net.propose(1, "x");
    net.tickAll(4);
    expect(net.get(4).node.status().commit).toBe(2);
    const redirects = net.delivered.filter((m) => m.type === "FetchResponse" && m.outcome === "not-leader");
    const fetchesToLeader = net.delivered.filter((m) => m.type === "Fetch" && m.to === 1);
    expect(fetchesToLeader.length).toBeGreaterThan(0);
    // Either the first random pick was the leader, or a follower pointed the observer at it.
    for (const r of redirects) expect(r).toMatchObject({ leaderHint: 1 });
  });

  it("an observer with a diverging uncommitted suffix truncates it and takes the leader's log", () => {
    const voters = [1, 2, 3].map(nodeId);
    const storages = new Map<number, MemoryStorage>();
    const fill = (id: number, log: number[], t: number) => {
      const s = new MemoryStorage(voters);
      s.append(entries(...log));
      s.setHardState({ term: t as never, vote: null, commit: 2 as never });
      storages.set(id, s);
    };
    for (const id of [1, 2, 3]) fill(id, [1, 1, 3], 3);
    fill(4, [1, 1, 2, 2], 2);
    const net = new Network({ voters: [1, 2, 3], observers: [4], storages });
    net.elect(1);
    net.tickAll(4);
    expect(logTerms(net.get(4).storage)).toEqual([1, 1, 3, 4]);
    expect(net.delivered.some((m) => m.type === "FetchResponse" && m.outcome === "diverging")).toBe(true);
    expect(net.get(4).node.status().commit).toBe(4);
  });

  it("an observer behind the leader's first index is sent the snapshot, then fetches from it", () => {
    const net = new Network({ voters: [1, 2, 3], observers: [4] });
    net.elect(1);
    net.isolate(4);
    for (let i = 0; i < 10; i++) net.propose(1, `v${i}`);
    const leader = net.get(1);
    const commit = leader.node.status().commit;
    leader.storage.createSnapshot(commit, bytes("image"));
    leader.storage.compact(commit);
    net.recover();
    net.propose(1, "after");
    net.tickAll(40);
    expect(net.get(4).snapshots.map((s) => s.meta.index)).toEqual([commit]);
    expect(net.get(4).node.status().commit).toBe(commit + 1);
  });

  it("an observer ignores vote requests with a logged reason", () => {
    const h = newNode({ id: 4, voters: [1, 2, 3], config: { role: "observer" } });
    const out = step(h, { type: "Vote", from: 1, to: 4, term: 5, lastLogIndex: 0, lastLogTerm: 0 });
    expect(out).toEqual([]);
    expect(h.node.status()).toMatchObject({ role: "observer", term: 0, vote: null });
    expect(h.logger.lines.some((l) => l.msg?.includes("observer ignores message"))).toBe(true);
  });

  it("a leader ignores Fetch from a voter (voters are replicated by push)", () => {
    const h = newNode({ term: 1 });
    makeLeader(h);
    const out = step(h, { type: "Fetch", from: 2, to: 1, term: 2, fetchIndex: 0, lastFetchedTerm: 0 });
    expect(out).toEqual([]);
  });
});
