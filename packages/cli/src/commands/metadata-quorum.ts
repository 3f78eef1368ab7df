// `replog metadata-quorum --bootstrap-controller HOST:PORT describe --status | --replication [--json]`,
// as kafka-metadata-quorum.sh prints it. Any controller may be named: a standby answers
// NOT_CONTROLLER with the leader's address and the question goes there.

import { Command } from "commander";
import { callUnary, errorByCode, newControllerClient, type DescribeQuorumResponseWire, type ReplicaStateWire } from "@replog/protocol";

const TIMEOUT_MS = 5_000;

export async function describeQuorum(bootstrap: string): Promise<DescribeQuorumResponseWire> {
  const tried = new Set<string>();
  const queue = bootstrap.split(",").map((s) => s.trim()).filter(Boolean);
  let lastError = "no controller answered";
  while (queue.length > 0) {
    const address = queue.shift()!;
    if (tried.has(address)) continue;
    tried.add(address);
    const client = newControllerClient(address);
    try {
      const res = await callUnary(client, client.DescribeQuorum, {}, TIMEOUT_MS);
      if (res.errorCode === 0) return res;
      lastError = `${errorByCode(res.errorCode)?.type ?? res.errorCode}: ${res.errorMessage}`;
      if (res.leaderEndpoint) queue.unshift(res.leaderEndpoint);
    } catch (e) {
      lastError = `${address}: ${(e as Error).message}`;
    } finally {
      client.close();
    }
  }
  throw new Error(`cannot describe the quorum (${lastError})`);
}

const num = (x: string | number) => Number(x);

export interface QuorumStatus {
  ClusterId: string;
  LeaderId: number;
  LeaderEpoch: number;
  HighWatermark: number;
  MaxFollowerLag: number;
  MaxFollowerLagTimeMs: number;
  CurrentVoters: number[];
  CurrentObservers: number[];
}

export function quorumStatus(r: DescribeQuorumResponseWire, nowMs: number): QuorumStatus {
  const leader = r.currentVoters.find((v) => v.nodeId === r.leaderId);
  const leaderLeo = leader ? num(leader.logEndOffset) : num(r.highWatermark);
  const followers = r.currentVoters.filter((v) => v.nodeId !== r.leaderId);
  const lags = followers.map((f) => leaderLeo - num(f.logEndOffset));
  const lagging = followers.filter((f) => num(f.logEndOffset) < leaderLeo);
  // Kafka: how long the furthest-behind follower has not been caught up (0 when all are).
  const lagTime = lagging.length === 0 ? 0 : Math.max(...lagging.map((f) => (num(f.lastCaughtUpTimestamp) < 0 ? -1 : nowMs - num(f.lastCaughtUpTimestamp))));
  return {
    ClusterId: r.clusterId,
    LeaderId: r.leaderId,
    LeaderEpoch: num(r.leaderEpoch),
    HighWatermark: num(r.highWatermark),
    MaxFollowerLag: Math.max(0, ...lags),
    MaxFollowerLagTimeMs: lagTime,
    CurrentVoters: r.currentVoters.map((v) => v.nodeId),
    CurrentObservers: r.currentObservers.map((v) => v.nodeId),
  };
}

export interface ReplicationRow {
  NodeId: number;
  LogEndOffset: number;
  Lag: number;
  LastFetchTimestamp: number;
  LastCaughtUpTimestamp: number;
  Status: "Leader" | "Follower" | "Observer";
}

export function replicationRows(r: DescribeQuorumResponseWire): ReplicationRow[] {
  const leader = r.currentVoters.find((v) => v.nodeId === r.leaderId);
  const leaderLeo = leader ? num(leader.logEndOffset) : num(r.highWatermark);
  const row = (v: ReplicaStateWire, status: ReplicationRow["Status"]): ReplicationRow => ({
    NodeId: v.nodeId,
    LogEndOffset: num(v.logEndOffset),
    Lag: Math.max(0, leaderLeo - num(v.logEndOffset)),
    LastFetchTimestamp: num(v.lastFetchTimestamp),
    LastCaughtUpTimestamp: num(v.lastCaughtUpTimestamp),
    Status: status,
  });
  const voters = r.currentVoters.map((v) => row(v, v.nodeId === r.leaderId ? "Leader" : "Follower"));
  voters.sort((a, b) => Number(b.Status === "Leader") - Number(a.Status === "Leader") || a.NodeId - b.NodeId);
  return [...voters, ...r.currentObservers.map((v) => row(v, "Observer")).sort((a, b) => a.NodeId - b.NodeId)];
}

export function formatStatus(s: QuorumStatus): string {
  const lines: Array<[string, string]> = [
    ["ClusterId", s.ClusterId],
    ["LeaderId", String(s.LeaderId)],
    ["LeaderEpoch", String(s.LeaderEpoch)],
    ["HighWatermark", String(s.HighWatermark)],
    ["MaxFollowerLag", String(s.MaxFollowerLag)],
    ["MaxFollowerLagTimeMs", String(s.MaxFollowerLagTimeMs)],
    ["CurrentVoters", `[${s.CurrentVoters.join(",")}]`],
    ["CurrentObservers", `[${s.CurrentObservers.join(",")}]`],
  ];
  return lines.map(([k, v]) => `${(k + ":").padEnd(24)}${v}`).join("\n") + "\n";
}

export function formatTable(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)) + 2);
  const line = (cells: ReadonlyArray<string | number>) => cells.map((c, i) => String(c).padEnd(widths[i]!)).join("").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

export function metadataQuorumCommand(): Command {
  const cmd = new Command("metadata-quorum")
    .description("Describe the controller quorum (like kafka-metadata-quorum.sh).")
    .requiredOption("--bootstrap-controller <host:port>", "one or more controllers, comma-separated")
    .enablePositionalOptions();
  cmd
    .command("describe")
    .description("Print the quorum's status or its replication table.")
    .option("--status", "the leader, epoch, high watermark, lag and members")
    .option("--replication", "one line per voter and observer")
    .option("--json", "machine-readable output")
    .action(async (opts: { status?: boolean; replication?: boolean; json?: boolean }) => {
      if (!opts.status === !opts.replication) throw new Error("describe needs exactly one of --status or --replication");
      const { bootstrapController } = cmd.opts<{ bootstrapController: string }>();
      const res = await describeQuorum(bootstrapController);
      if (opts.status) {
        const s = quorumStatus(res, Date.now());
        process.stdout.write(opts.json ? JSON.stringify(s, null, 2) + "\n" : formatStatus(s));
        return;
      }
      const rows = replicationRows(res);
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
        return;
      }
      const headers = ["NodeId", "LogEndOffset", "Lag", "LastFetchTimestamp", "LastCaughtUpTimestamp", "Status"] as const;
      process.stdout.write(formatTable(headers, rows.map((r) => headers.map((h) => r[h]))));
    });
  return cmd;
}
