// The controller quorum as real processes on their own loopback addresses (issue: controller
// quorum). Each test asserts through the network only: DescribeQuorum, and the committed metadata
// log read as an observer.

import { writeFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeQuorum } from "@replog/cli";
import { nodeId } from "@replog/common";
import type { RaftPeer } from "@replog/raft-shell";
import { TestCluster } from "./support/cluster.js";
import { Partitioner, iptablesAvailable } from "./support/iptables.js";
import { readCommittedLog, type CommittedEntry } from "./support/metadata-log.js";
import { waitFor } from "./support/wait.js";

const ELECTION_TIMEOUT_MS = 500;
const KILLS = Number(process.env.E2E_LEADER_KILLS ?? 20);

const overrides = [
  `controller.quorum.election.timeout.ms=${ELECTION_TIMEOUT_MS}`,
  "metadata.max.idle.interval.ms=100",
  // Small snapshots so that compaction happens during the test.
  "metadata.log.max.record.bytes.between.snapshots=300",
];

let cluster: TestCluster;
let voters: RaftPeer[];

beforeAll(async () => {
  cluster = await TestCluster.start({ controllers: 3, brokers: 0, overrides });
  voters = cluster.file().nodes.map((n) => ({ id: nodeId(n.nodeId), host: n.host, port: n.controllerPort! }));
});
afterAll(async () => {
  await cluster?.destroy();
});

const controllers = () => cluster.file().bootstrapControllers;

/** The leader as the running controllers report it (one of them must answer). */
async function currentLeader(except?: number): Promise<{ leader: number; term: number; commit: number }> {
  return waitFor("a quorum leader", async () => {
    const alive = cluster.file().nodes.filter((n) => n.state === "running" && n.nodeId !== except);
    const res = await describeQuorum(alive.map((n) => `${n.host}:${n.controllerPort}`).join(","));
    if (res.leaderId === except) return undefined;
    return { leader: res.leaderId, term: Number(res.leaderEpoch), commit: Number(res.highWatermark) };
  }, 20_000);
}

/** Every index ever seen committed keeps its term and data forever (Raft's State Machine Safety). */
class CommittedHistory {
  private readonly seen = new Map<number, CommittedEntry>();
  highest = 0;

  check(entries: readonly CommittedEntry[]): void {
    for (const e of entries) {
      const before = this.seen.get(e.index);
      if (before) expect({ index: e.index, term: e.term, digest: e.digest }, `committed entry ${e.index} changed`).toEqual({ index: before.index, term: before.term, digest: before.digest });
      else this.seen.set(e.index, e);
      this.highest = Math.max(this.highest, e.index);
    }
  }
}

describe("controller quorum: three real controller processes", () => {
  it(`elects a new leader after each of ${KILLS} leader SIGKILLs, and loses no committed entry`, async () => {
    const history = new CommittedHistory();
    const failoverMs: number[] = [];
    for (let round = 0; round < KILLS; round++) {
      const before = await currentLeader();
      const log = await readCommittedLog(cluster.file().clusterId, voters, nodeId(before.leader));
      history.check(log.entries);
      const committedBefore = log.commit;

      const killedAt = Date.now();
      await cluster.act(before.leader, "kill");
      const after = await currentLeader(before.leader);
      failoverMs.push(Date.now() - killedAt);
      expect(after.leader).not.toBe(before.leader);
      expect(after.term).toBeGreaterThan(before.term);

      const afterLog = await readCommittedLog(cluster.file().clusterId, voters, nodeId(after.leader));
      expect(afterLog.commit).toBeGreaterThanOrEqual(committedBefore);
      history.check(afterLog.entries);

      await cluster.act(before.leader, "start");
      await waitFor(`node ${before.leader} back in the quorum`, async () => {
        const res = await describeQuorum(controllers());
        const me = res.currentVoters.find((v) => v.nodeId === before.leader);
        return me && Number(me.logEndOffset) >= Number(res.highWatermark) - 5 ? true : undefined;
      }, 30_000);
    }
    failoverMs.sort((a, b) => a - b);
    const p = (q: number) => failoverMs[Math.min(failoverMs.length - 1, Math.floor(q * failoverMs.length))];
    const summary = { kills: KILLS, electionTimeoutMs: ELECTION_TIMEOUT_MS, p50: p(0.5), p99: p(0.99), max: failoverMs[failoverMs.length - 1], all: failoverMs };
    mkdirSync("test-results", { recursive: true });
    writeFileSync(join("test-results", "controller-failover.json"), JSON.stringify(summary, null, 2) + "\n");
    console.log(`controller failover (kill → new leader seen), ms: p50=${summary.p50} p99=${summary.p99} max=${summary.max}`);
    expect(history.highest).toBeGreaterThan(0);
  });

  it("a paused leader steps down: after SIGCONT it is no longer leader of a current term", async () => {
    const before = await currentLeader();
    await cluster.act(before.leader, "pause");
    const after = await currentLeader(before.leader);
    expect(after.term).toBeGreaterThan(before.term);
    await cluster.act(before.leader, "resume");
    // The old leader hears the higher term and follows; it never answers as a leader again for its old term.
    await waitFor(`node ${before.leader} following the new leader`, async () => {
      const res = await describeQuorum(cluster.controllerAddress(before.leader)).catch(() => undefined);
      return res && res.leaderId !== before.leader && Number(res.leaderEpoch) >= after.term ? true : undefined;
    }, 20_000);
    const final = await currentLeader();
    expect(final.leader).not.toBe(before.leader);
  });

  it.skipIf(!iptablesAvailable())("a leader cut off by iptables: the majority elects, the minority commits nothing", async () => {
    const before = await currentLeader();
    const partitioner = new Partitioner();
    try {
      const isolatedHost = cluster.node(before.leader).host;
      const committedBefore = (await readCommittedLog(cluster.file().clusterId, voters, nodeId(before.leader))).commit;
      partitioner.isolate(isolatedHost, cluster.file().nodes.map((n) => n.host));
      const after = await currentLeader(before.leader);
      expect(after.term).toBeGreaterThan(before.term);
      // Give the isolated node time to try: it must not commit anything on its own.
      await new Promise((r) => setTimeout(r, 3 * ELECTION_TIMEOUT_MS));
      const isolated = await readCommittedLog(cluster.file().clusterId, voters, nodeId(before.leader)).catch(() => undefined);
      if (isolated) expect(isolated.commit).toBeLessThanOrEqual(committedBefore + 1);
      const majority = await readCommittedLog(cluster.file().clusterId, voters, nodeId(after.leader));
      expect(majority.commit).toBeGreaterThan(committedBefore);
    } finally {
      partitioner.remove();
    }
    await waitFor("the healed node rejoins", async () => {
      const res = await describeQuorum(controllers());
      return res.currentVoters.every((v) => Number(v.logEndOffset) > 0) ? true : undefined;
    });
  });

  it("restart all three: the committed log and the term come back from disk", async () => {
    const before = await currentLeader();
    const history = new CommittedHistory();
    history.check((await readCommittedLog(cluster.file().clusterId, voters, nodeId(before.leader))).entries);
    for (const n of cluster.file().nodes) await cluster.act(n.nodeId, "kill");
    for (const n of cluster.file().nodes) await cluster.act(n.nodeId, "start");
    const after = await currentLeader();
    expect(after.term).toBeGreaterThan(before.term);
    const log = await readCommittedLog(cluster.file().clusterId, voters, nodeId(after.leader));
    expect(log.commit).toBeGreaterThanOrEqual(before.commit);
    history.check(log.entries);
  });

  it("a controller whose data dir was wiped after compaction catches up through a snapshot", async () => {
    const leader = await currentLeader();
    const victim = cluster.file().nodes.find((n) => n.nodeId !== leader.leader)!;
    await waitFor("the leader to have compacted its log", async () => {
      const log = await readCommittedLog(cluster.file().clusterId, voters, nodeId(leader.leader));
      return log.firstIndex > 1 ? true : undefined;
    }, 30_000);
    await cluster.act(victim.nodeId, "kill");
    // Keep meta.properties (the node's identity); wipe the metadata log.
    rmSync(join(victim.dataDir, "__cluster_metadata-0"), { recursive: true, force: true });
    await cluster.act(victim.nodeId, "start");
    await waitFor(`node ${victim.nodeId} caught up from a snapshot`, async () => {
      const res = await describeQuorum(controllers());
      const me = res.currentVoters.find((v) => v.nodeId === victim.nodeId);
      return me && Number(me.logEndOffset) >= Number(res.highWatermark) ? true : undefined;
    }, 30_000);
    expect(cluster.log(victim.nodeId)).toMatch(/installed a snapshot from the leader/);
  });
});


