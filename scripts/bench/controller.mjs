// pnpm bench:controller — the metadata quorum, measured on a real three-controller `replog dev`
// cluster on loopback:
//   1. commit latency (p50/p99) of one metadata write at a time, and throughput with several callers,
//      using IncrementalAlterConfigs on the cluster-wide broker config (it needs no brokers);
//   2. failover: SIGKILL the active controller N times (restarting it each time, and waiting until
//      it follows the new leader and has caught up before the next kill) and time kill → a
//      surviving controller answering DescribeQuorum as the leader. A killed process's sockets are
//      reset by the OS, which the followers take as a hint to start a pre-vote early;
//   3. for reference, failover on a silent fault: SIGSTOP the active controller (no reset, so the
//      followers wait out their randomized election timeout, in [T, 2T)), then SIGCONT it.
// It ends with RESULT lines; the failover reference is the configured election timeout, the
// commit-latency reference an fsync of the same disk plus a loopback round trip is not measured
// here, so commit figures are printed without a ratio.
//
// Usage: node scripts/bench/controller.mjs [--kills 20] [--pauses 10] [--election-timeout-ms 300] [--writes 2000]

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import * as hdr from "hdr-histogram-js";
import { callUnary, newControllerClient } from "../../packages/protocol/dist/index.js";

const { values } = parseArgs({
  options: {
    kills: { type: "string", default: "20" },
    pauses: { type: "string", default: "10" },
    "election-timeout-ms": { type: "string", default: "300" },
    writes: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "16" },
  },
});
const KILLS = Number(values.kills);
const PAUSES = Number(values.pauses);
const ELECTION_MS = Number(values["election-timeout-ms"]);
const WRITES = Number(values.writes);
const CONCURRENCY = Number(values.concurrency);

const REPLOG = join(import.meta.dirname, "../../packages/cli/dist/bin/replog.js");
const dir = mkdtempSync(join(tmpdir(), "replog-bench-controller-"));
const network = `127.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 256)}`;
const replog = (...args) => execFileSync(process.execPath, [REPLOG, ...args], { stdio: ["ignore", "pipe", "pipe"] }).toString();
const cluster = () => JSON.parse(readFileSync(join(dir, "cluster.json"), "utf8"));
const log = (line) => process.stdout.write(line + "\n");

function cleanup() {
  try {
    for (const n of cluster().nodes) if (n.pid) try { process.kill(n.pid, "SIGKILL"); } catch { /* gone */ }
  } catch { /* no cluster file */ }
  rmSync(dir, { recursive: true, force: true });
}
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));

async function leaderAddress(exclude) {
  for (;;) {
    for (const n of cluster().nodes) {
      if (n.nodeId === exclude || n.state !== "running") continue;
      const c = newControllerClient(`${n.host}:${n.controllerPort}`);
      try {
        const r = await callUnary(c, c.DescribeQuorum, {}, 1000);
        if (r.errorCode === 0) return { id: r.leaderId, address: `${n.host}:${n.controllerPort}` };
      } catch { /* not answering */ } finally { c.close(); }
    }
    await sleep(5);
  }
}

function summary(h) {
  return { p50: h.getValueAtPercentile(50) / 1000, p99: h.getValueAtPercentile(99) / 1000, max: h.maxValue / 1000 };
}

async function commitLatency() {
  const { address } = await leaderAddress();
  const client = newControllerClient(address);
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const write = (i) =>
    callUnary(client, client.IncrementalAlterConfigs, { resources: [{ resourceType: "BROKER", resourceName: "", configs: [{ name: "log.retention.ms", operation: "SET", value: String(86_400_000 + i) }] }] }, 10_000);
  for (let i = 0; i < 50; i++) await write(i); // warm-up
  for (let i = 0; i < WRITES; i++) {
    const t0 = process.hrtime.bigint();
    const r = await write(i);
    if (r.errorCode !== 0 || r.resources[0].errorCode !== 0) throw new Error(`write failed: ${JSON.stringify(r)}`);
    h.recordValue(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const seq = summary(h);
  log(`commit latency, one write at a time (${WRITES} writes): p50=${seq.p50.toFixed(2)} ms p99=${seq.p99.toFixed(2)} ms max=${seq.max.toFixed(2)} ms`);
  const t0 = performance.now();
  let done = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, k) => {
    for (let i = k; i < WRITES; i += CONCURRENCY) {
      await write(i);
      done++;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  log(`commit throughput, ${CONCURRENCY} callers: ${(done / seconds).toFixed(0)} writes/s`);
  client.close();
  return { seq, throughput: done / seconds };
}

// One long-lived client per controller, so that noticing the new leader costs one loopback round
// trip, not a channel set-up per poll.
function quorumClients() {
  return new Map(cluster().nodes.map((n) => [n.nodeId, newControllerClient(`${n.host}:${n.controllerPort}`)]));
}

async function describe(clients, id, timeoutMs) {
  const c = clients.get(id);
  try {
    return await callUnary(c, c.DescribeQuorum, {}, timeoutMs);
  } catch {
    return undefined;
  }
}

/**
 * The time to a new leader, as the cluster sees it: every survivor is asked at once, again and
 * again, and the first one that answers as leader ends the wait.
 */
async function awaitNewLeader(clients, killed) {
  const survivors = [...clients.keys()].filter((id) => id !== killed);
  for (;;) {
    const answers = await Promise.all(survivors.map((id) => describe(clients, id, 200)));
    const leader = answers.find((r) => r?.errorCode === 0 && r.leaderId !== killed);
    if (leader) return leader.leaderId;
    await sleep(2);
  }
}

/**
 * Before the next kill the quorum must be whole again: the restarted controller is up, follows the
 * current leader and holds the leader's log up to its high watermark. Otherwise the next failover
 * would be measured with a second voter still booting or catching up (two failures, not one).
 */
async function awaitWholeQuorum(clients) {
  for (;;) {
    const answers = await Promise.all([...clients.keys()].map((id) => describe(clients, id, 500)));
    const leader = answers.find((r) => r?.errorCode === 0);
    const following = leader && answers.every((r) => r && (r.errorCode === 0 || r.leaderHint === leader.leaderId));
    if (following && leader.currentVoters.every((v) => Number(v.logEndOffset) >= Number(leader.highWatermark))) return leader.leaderId;
    await sleep(20);
  }
}

/** Times `faults` failovers: each one `fault` on the leader of a whole quorum, then `repair`. */
async function failovers(clients, faults, fault, repair) {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  for (let i = 0; i < faults; i++) {
    const id = await awaitWholeQuorum(clients);
    const victim = cluster().nodes.find((n) => n.nodeId === id);
    const t0 = performance.now();
    process.kill(victim.pid, fault); // directly: a CLI process start would be timed too
    const next = await awaitNewLeader(clients, id);
    const ms = performance.now() - t0;
    h.recordValue(Math.round(ms * 1000));
    log(`failover ${i + 1}/${faults} (${fault}): leader ${id}, then leader ${next} after ${ms.toFixed(0)} ms`);
    repair(victim);
  }
  return summary(h);
}

log(`starting 3 controllers on ${network}.x (controller.quorum.election.timeout.ms=${ELECTION_MS})`);
replog("dev", "--dir", dir, "--detach", "--network", network, "--brokers", "0", "--override", `controller.quorum.election.timeout.ms=${ELECTION_MS}`);
const commit = await commitLatency();
const clients = quorumClients();
const fo = await failovers(clients, KILLS, "SIGKILL", (victim) => replog("dev", "node", "--dir", dir, "--node", String(victim.nodeId), "start"));
const silent = PAUSES > 0 ? await failovers(clients, PAUSES, "SIGSTOP", (victim) => process.kill(victim.pid, "SIGCONT")) : undefined;
for (const c of clients.values()) c.close();
log(`failover over ${KILLS} kills: p50=${fo.p50.toFixed(0)} ms p99=${fo.p99.toFixed(0)} ms max=${fo.max.toFixed(0)} ms (election timeout ${ELECTION_MS} ms; target p99 <= 2x)`);
if (silent) log(`failover over ${PAUSES} pauses (SIGSTOP: no connection reset, the election timeout path): p50=${silent.p50.toFixed(0)} ms p99=${silent.p99.toFixed(0)} ms max=${silent.max.toFixed(0)} ms`);
log(`RESULT controller-commit-p50 ours=${commit.seq.p50.toFixed(2)} reference=${ELECTION_MS} ratio=${(commit.seq.p50 / ELECTION_MS).toFixed(4)}`);
log(`RESULT controller-failover-p99 ours=${fo.p99.toFixed(0)} reference=${ELECTION_MS} ratio=${(fo.p99 / ELECTION_MS).toFixed(2)}`);
process.exit(0);
