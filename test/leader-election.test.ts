// Leader elections an operator asks for, and the one the controller runs by itself, on real
// processes (replog dev: three controllers, three brokers):
//  - `replog leader-election --election-type preferred` moves leaderships back to the first replica
//    after a broker restart, prints Kafka's lines, and says "Valid replica already elected" the
//    second time; a preferred replica that is down makes it fail with a non-zero exit;
//  - `--election-type unclean` elects an out-of-sync live replica of an offline partition;
//  - with auto.leader.rebalance.enable the controller does the preferred election on its own
//    every leader.imbalance.check.interval.seconds.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replog, TestCluster } from "./support/cluster.js";
import { RawClient } from "./support/raw-client.js";
import { waitFor } from "./support/wait.js";

const QUICK = ["controller.quorum.election.timeout.ms=500", "broker.session.timeout.ms=3000", "broker.heartbeat.interval.ms=500", "replica.lag.time.max.ms=2000"];

/** `replog args…` that may fail: its exit code and output, never a throw. */
async function replogCode(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    return { code: 0, ...(await replog(args)) };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

async function leaders(raw: RawClient, topic: string): Promise<Array<{ leader: number; preferred: number; isr: number }>> {
  const md = await raw.metadata([topic]);
  return (md.topics[0]?.partitions ?? [])
    .sort((a: { partitionIndex: number }, b: { partitionIndex: number }) => a.partitionIndex - b.partitionIndex)
    .map((p: { leaderId: number; replicaNodes: number[]; isrNodes: number[] }) => ({ leader: p.leaderId, preferred: p.replicaNodes[0]!, isr: p.isrNodes.length }));
}

/** Restarts broker `id` after a SIGKILL and waits until every partition of `topic` has a full ISR again. */
async function bounce(cluster: TestCluster, raw: RawClient, id: number, topic: string, rf: number): Promise<void> {
  await cluster.act(id, "kill");
  await waitFor(`leaderships off broker ${id}`, async () => ((await leaders(raw, topic)).every((p) => p.leader !== id && p.leader >= 0) ? true : undefined), 30_000);
  await cluster.act(id, "start");
  await waitFor(`${topic}: ISR full again`, async () => ((await leaders(raw, topic)).every((p) => p.isr === rf) ? true : undefined), 60_000);
}

describe("replog leader-election (auto.leader.rebalance.enable=false)", () => {
  let cluster: TestCluster;
  let raw: RawClient;
  let bootstrap: string;

  beforeAll(async () => {
    cluster = await TestCluster.start({ controllers: 3, brokers: 3, overrides: [...QUICK, "auto.leader.rebalance.enable=false"] });
    bootstrap = cluster.file().bootstrapServers;
    raw = new RawClient(bootstrap.split(","));
  });
  afterAll(async () => {
    raw?.close();
    await cluster?.destroy();
  });

  it("preferred: leaderships return to the first replica, Kafka's lines are printed, a second run has nothing to do", async () => {
    await replog(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", "pref", "--partitions", "3", "--replication-factor", "3"]);
    await waitFor("pref: every partition led by its preferred replica", async () => ((await leaders(raw, "pref")).filter((p) => p.leader === p.preferred && p.isr === 3).length === 3 ? true : undefined), 30_000);
    const victim = (await leaders(raw, "pref"))[0]!.leader;
    await bounce(cluster, raw, victim, "pref", 3);
    // With auto rebalance off, the restarted broker stays a follower everywhere.
    const before = await leaders(raw, "pref");
    const moved = before.flatMap((p, i) => (p.leader !== p.preferred ? [`pref-${i}`] : []));
    expect(moved.length).toBeGreaterThan(0);

    const first = await replogCode(["leader-election", "--bootstrap-server", bootstrap, "--election-type", "preferred", "--topic", "pref"]);
    expect(first).toMatchObject({ code: 0, stderr: "" });
    const stayed = before.flatMap((p, i) => (p.leader === p.preferred ? [`pref-${i}`] : []));
    const expected = [`Successfully completed leader election (PREFERRED) for partitions ${moved.join(", ")}`];
    if (stayed.length > 0) expected.push(`Valid replica already elected for partitions ${stayed.join(", ")}`);
    expect(first.stdout.trimEnd().split("\n")).toEqual(expected);
    await waitFor("pref: preferred leaders everywhere", async () => ((await leaders(raw, "pref")).every((p) => p.leader === p.preferred) ? true : undefined), 10_000);

    const again = await replogCode(["leader-election", "--bootstrap-server", bootstrap, "--election-type", "PREFERRED", "--all-topic-partitions"]);
    expect(again).toMatchObject({ code: 0, stdout: "Valid replica already elected for partitions pref-0, pref-1, pref-2\n" });
  });

  it("unclean: an offline partition gets its out-of-sync live replica as leader; preferred fails while the first replica is down", async () => {
    await replog(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", "lossy", "--partitions", "1", "--replication-factor", "2"]);
    // One metadata answer that has the topic with its ISR full (any broker may answer first).
    const { leader, replicas } = await waitFor("lossy-0: ISR of 2", async () => {
      const p = await raw.partition("lossy", 0).catch(() => undefined);
      return p && p.isr.length === 2 ? p : undefined;
    }, 30_000);
    const follower = replicas.find((r) => r !== leader)!;
    // The follower falls out of the ISR (paused past replica.lag.time.max.ms), then the leader dies:
    // with unclean election off the partition is offline.
    cluster.signal(follower, "SIGSTOP");
    await raw.produce("lossy", 0, ["only-on-the-leader"], 1);
    await waitFor("lossy-0: follower out of the ISR", async () => ((await leaders(raw, "lossy"))[0]?.isr === 1 ? true : undefined), 30_000);
    await cluster.act(leader, "kill");
    cluster.signal(follower, "SIGCONT");
    await waitFor("lossy-0 offline", async () => ((await leaders(raw, "lossy"))[0]?.leader === -1 ? true : undefined), 30_000);

    const preferred = await replogCode(["leader-election", "--bootstrap-server", bootstrap, "--election-type", "preferred", "--topic", "lossy", "--partition", "0"]);
    expect(preferred.code).toBe(1);
    expect(preferred.stdout).toMatch(/^Error completing leader election \(PREFERRED\) for partition: lossy-0: PREFERRED_LEADER_NOT_AVAILABLE: /);
    expect(preferred.stderr).toBe("Error: 1 replica(s) could not be elected\n");

    const unclean = await replogCode(["leader-election", "--bootstrap-server", bootstrap, "--election-type", "unclean", "--topic", "lossy", "--partition", "0"]);
    expect(unclean).toMatchObject({ code: 0, stdout: "Successfully completed leader election (UNCLEAN) for partitions lossy-0\n" });
    await waitFor("lossy-0 led by the out-of-sync replica", async () => ((await leaders(raw, "lossy"))[0]?.leader === follower ? true : undefined), 10_000);
    await cluster.act(leader, "start");
  });

  it("bad input: an unknown election type, and no partition selection, are refused by name", async () => {
    const bad = await replogCode(["leader-election", "--bootstrap-server", bootstrap, "--election-type", "fastest", "--all-topic-partitions"]);
    expect(bad).toMatchObject({ code: 1, stderr: 'Error: --election-type must be preferred or unclean (got "fastest")\n' });
    const none = await replogCode(["leader-election", "--bootstrap-server", bootstrap, "--election-type", "preferred"]);
    expect(none).toMatchObject({ code: 1, stderr: "Error: exactly one of --topic, --all-topic-partitions or --path-to-json-file is needed\n" });
  });
});

describe("auto.leader.rebalance.enable=true", () => {
  let cluster: TestCluster;
  let raw: RawClient;

  beforeAll(async () => {
    cluster = await TestCluster.start({ controllers: 3, brokers: 3, overrides: [...QUICK, "auto.leader.rebalance.enable=true", "leader.imbalance.check.interval.seconds=1"] });
    raw = new RawClient(cluster.file().bootstrapServers.split(","));
  });
  afterAll(async () => {
    raw?.close();
    await cluster?.destroy();
  });

  it("the controller moves leadership back to the preferred replica by itself after a restart", async () => {
    await raw.createTopic("auto", 3, 3);
    await waitFor("auto: every partition led by its preferred replica", async () => ((await leaders(raw, "auto")).filter((p) => p.leader === p.preferred && p.isr === 3).length === 3 ? true : undefined), 30_000);
    const victim = (await leaders(raw, "auto"))[0]!.leader;
    await cluster.act(victim, "kill");
    await waitFor(`leaderships off broker ${victim}`, async () => ((await leaders(raw, "auto")).every((p) => p.leader !== victim && p.leader >= 0) ? true : undefined), 30_000);
    await cluster.act(victim, "start");
    await waitFor("auto: preferred leaders again, with no one asking", async () => ((await leaders(raw, "auto")).every((p) => p.leader === p.preferred) ? true : undefined), 60_000);
    const controllerLogs = cluster.file().nodes.filter((n) => n.roles.includes("controller")).map((n) => cluster.log(n.nodeId)).join("\n");
    expect(controllerLogs).toMatch(/preferred leader election moved \d+ partition\(s\) back to their preferred replica/);
  });
});
