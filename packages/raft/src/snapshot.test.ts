// Snapshots and log compaction (Raft §7; KIP-630): a follower behind the leader's first index is
// sent the snapshot, installs it, and continues from there; a restart resumes from the snapshot.
import { describe, expect, it } from "vitest";
import { SeededRandom, logIndex, nodeId } from "@replog/common";
import { Network, bytes } from "./test-support/network.js";
import { drain, newNode, step } from "./test-support/fixtures.js";
import { RawNode } from "./raw-node.js";
import { MemoryStorage } from "./storage.js";

/** Three voters; node 3 misses 20 proposals, then the leader snapshots and compacts its log. */
function laggardAfterCompaction() {
  const net = new Network({ voters: [1, 2, 3] });
  net.elect(1);
  net.isolate(3);
  for (let i = 0; i < 20; i++) net.propose(1, `v${i}`);
  const leader = net.get(1);
  const commit = leader.node.status().commit;
  leader.storage.createSnapshot(commit, bytes(`state@${commit}`));
  leader.storage.compact(commit);
  return { net, commit };
}

describe("snapshots", () => {
  it("the leader sends its snapshot to a follower behind its first index, and the follower restores it", () => {
    const { net, commit } = laggardAfterCompaction();
    net.recover();
    net.tickAll(2);
    const follower = net.get(3);
    expect(net.delivered.filter((m) => m.type === "Snapshot" && m.to === 3)).toHaveLength(1);
    expect(follower.snapshots.map((s) => s.meta.index)).toEqual([commit]);
    expect(follower.storage.firstIndex()).toBe(commit + 1);
    expect(follower.node.status()).toMatchObject({ commit, applied: commit });
    // Replication continues after the snapshot point.
    net.propose(1, "after");
    expect(follower.applied.at(-1)).toMatchObject({ index: commit + 1 });
    expect(net.get(1).node.status().progress?.get(nodeId(3))).toMatchObject({ state: "replicate", match: commit + 1 });
  });

  it("a lost snapshot is sent again after an election timeout", () => {
    const { net, commit } = laggardAfterCompaction();
    net.recover();
    net.drop("Snapshot");
    net.tickAll(3);
    expect(net.get(1).node.status().progress?.get(nodeId(3))?.state).toBe("snapshot");
    net.recover();
    net.tickAll(12);
    expect(net.get(3).node.status().commit).toBe(commit);
    expect(net.get(1).node.status().progress?.get(nodeId(3))?.state).toBe("replicate");
  });

  it("a snapshot at or below the follower's commit is ignored and answered with its commit", () => {
    const h = newNode({ term: 2, log: [1, 1, 2], commit: 3 });
    const [resp] = step(h, {
      type: "Snapshot",
      from: 2,
      to: 1,
      term: 2,
      snapshot: { meta: { index: logIndex(2), term: 1 as never, voters: [1, 2, 3].map(nodeId) }, data: bytes("old") },
    });
    expect(resp).toMatchObject({ type: "AppendResponse", reject: false, index: 3 });
    expect(h.node.status().lastIndex).toBe(3);
  });

  it("a snapshot whose last entry the follower already holds just commits up to it (§7)", () => {
    const h = newNode({ term: 2, log: [1, 1, 2, 2] });
    const [resp] = step(h, {
      type: "Snapshot",
      from: 2,
      to: 1,
      term: 2,
      snapshot: { meta: { index: logIndex(3), term: 2 as never, voters: [1, 2, 3].map(nodeId) }, data: bytes("s") },
    });
    expect(resp).toMatchObject({ index: 3 });
    expect(h.node.status()).toMatchObject({ commit: 3, lastIndex: 4 });
  });

  it("a Ready with a snapshot hands out no committed entries until the snapshot is applied", () => {
    const h = newNode({ term: 2, log: [1] });
    h.node.step({
      type: "Snapshot",
      from: nodeId(2),
      to: nodeId(1),
      term: 2 as never,
      snapshot: { meta: { index: logIndex(5), term: 2 as never, voters: [1, 2, 3].map(nodeId) }, data: bytes("s") },
    });
    const rd = h.node.ready();
    expect(rd.snapshot?.meta.index).toBe(5);
    expect(rd.committedEntries).toEqual([]);
    expect(rd.mustSync).toBe(true);
    expect(rd.messages).toMatchObject([{ type: "AppendResponse", index: 5 }]);
  });

  it("after a restart the node resumes from its snapshot and re-applies only later committed entries", () => {
    const { net, commit } = laggardAfterCompaction();
    net.propose(1, "x");
    const leader = net.get(1);
    const restarted = new RawNode({ id: nodeId(1), voters: [1, 2, 3].map(nodeId), electionTick: 10, heartbeatTick: 1, random: new SeededRandom(3) }, leader.storage);
    expect(restarted.status()).toMatchObject({ role: "follower", applied: commit, commit: commit + 1 });
    const h = { id: nodeId(1), node: restarted, storage: leader.storage, logger: net.logger, applied: [] as never[] };
    drain(h);
    expect(h.applied.map((e: { index: number }) => e.index)).toEqual([commit + 1]);
  });
});

describe("a follower that lost its disk", () => {
  /** Replaces node `n` by a fresh node with empty storage: its log and vote are gone. */
  function wipe(net: Network, n: number): void {
    const id = nodeId(n);
    const voters = [1, 2, 3].map(nodeId);
    const storage = new MemoryStorage(voters);
    const node = new RawNode({ electionTick: 10, heartbeatTick: 1, id, voters, random: new SeededRandom(99), logger: net.logger }, storage);
    net.nodes.set(id, { id, node, storage, applied: [], snapshots: [] });
  }

  it("is repaired by Appends from its real log end, not mistaken for stale rejections", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.elect(1);
    for (let i = 0; i < 10; i++) net.propose(1, `v${i}`);
    wipe(net, 3);
    net.propose(1, "after the wipe");
    net.tickAll(3);
    const leader = net.get(1).node.status();
    expect(net.get(3).node.status()).toMatchObject({ lastIndex: leader.lastIndex, commit: leader.commit });
    expect(net.logger.lines.some((l) => l.msg?.includes("follower lost entries it had acknowledged"))).toBe(true);
  });

  it("is repaired by a snapshot when the entries it lost are compacted away", () => {
    const net = new Network({ voters: [1, 2, 3] });
    net.elect(1);
    for (let i = 0; i < 10; i++) net.propose(1, `v${i}`);
    const leader = net.get(1);
    const commit = leader.node.status().commit;
    leader.storage.createSnapshot(commit, bytes(`state@${commit}`));
    leader.storage.compact(commit);
    wipe(net, 3);
    net.propose(1, "after the wipe");
    net.tickAll(3);
    expect(net.get(3).snapshots.map((s) => s.meta.index)).toEqual([commit]);
    expect(net.get(3).node.status().commit).toBe(net.get(1).node.status().commit);
  });
});
