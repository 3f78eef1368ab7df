// `replog topics`, shaped like kafka-topics.sh (TopicCommand.java): --create, --list, --describe,
// --alter (partition count), --delete against any bootstrap broker (admin requests are forwarded to the active controller),
// with Kafka's output lines so that scripts and muscle memory carry over:
//   Created topic orders.
//   Topic: orders	TopicId: …	PartitionCount: 3	ReplicationFactor: 3	Configs: min.insync.replicas=2
//   	Topic: orders	Partition: 0	Leader: 4	Replicas: 4,5,6	Isr: 4,5,6
// The describe filters (--under-replicated-partitions, --under-min-isr-partitions,
// --at-min-isr-partitions, --unavailable-partitions) print only matching partition lines, as Kafka.

import { Command } from "commander";
import { ReplogError, type Admin, type TopicMetadata } from "@replog/client";
import { adminClient, collect } from "./options.js";

export interface DescribeFilters {
  underReplicated?: boolean;
  underMinIsr?: boolean;
  atMinIsr?: boolean;
  unavailable?: boolean;
}

/** Kafka's default min.insync.replicas, used when a topic has no override (metadata carries overrides only). */
const MIN_INSYNC_DEFAULT = 1;

function minIsr(t: TopicMetadata): number {
  const v = Number(t.configs["min.insync.replicas"]);
  return Number.isInteger(v) && v > 0 ? v : MIN_INSYNC_DEFAULT;
}

const anyFilter = (f: DescribeFilters) => Boolean(f.underReplicated || f.underMinIsr || f.atMinIsr || f.unavailable);

/** Kafka TopicCommand.PartitionDescription: which filters a partition matches (any of them prints it). */
export function partitionMatches(t: TopicMetadata, p: TopicMetadata["partitions"][number], liveBrokers: ReadonlySet<number>, f: DescribeFilters): boolean {
  if (!anyFilter(f)) return true;
  const hasLeader = p.leader >= 0;
  const min = minIsr(t);
  return Boolean(
    (f.underReplicated && p.replicas.length - p.isr.length > 0) ||
      (f.underMinIsr && (!hasLeader || p.isr.length < min)) ||
      (f.atMinIsr && p.isr.length === min) ||
      (f.unavailable && (!hasLeader || !liveBrokers.has(p.leader))),
  );
}

export function describeTopicLines(t: TopicMetadata, liveBrokers: ReadonlySet<number>, f: DescribeFilters = {}): string[] {
  const lines: string[] = [];
  const configs = Object.entries(t.configs).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(",");
  // Kafka prints the topic line only without partition filters.
  if (!anyFilter(f)) {
    const rf = t.partitions[0]?.replicas.length ?? 0;
    lines.push(`Topic: ${t.name}\tTopicId: ${t.topicId}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${rf}\tConfigs: ${configs}`);
  }
  for (const p of t.partitions) {
    if (!partitionMatches(t, p, liveBrokers, f)) continue;
    const leader = p.leader >= 0 ? String(p.leader) : "none";
    lines.push(`\tTopic: ${t.name}\tPartition: ${p.partitionId}\tLeader: ${leader}\tReplicas: ${p.replicas.join(",")}\tIsr: ${p.isr.join(",")}`);
  }
  return lines;
}

export function describeTopicJson(t: TopicMetadata, liveBrokers: ReadonlySet<number>, f: DescribeFilters = {}): object {
  return {
    topic: t.name,
    topicId: t.topicId,
    partitionCount: t.partitions.length,
    replicationFactor: t.partitions[0]?.replicas.length ?? 0,
    configs: t.configs,
    partitions: t.partitions
      .filter((p) => partitionMatches(t, p, liveBrokers, f))
      .map((p) => ({ partition: p.partitionId, leader: p.leader >= 0 ? p.leader : null, leaderEpoch: p.leaderEpoch, replicas: p.replicas, isr: p.isr, offlineReplicas: p.offlineReplicas })),
  };
}

/** `--config k=v` pairs as a map; a pair without `=` is refused naming it. */
export function parsePairs(pairs: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf("=");
    if (i <= 0) throw new Error(`${flag} expects key=value, got "${pair}"`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

/** Kafka's --topic is a regular expression for list, describe and delete; a plain name matches itself. */
export function topicMatcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  const re = new RegExp(`^(?:${pattern})$`);
  return (name) => name === pattern || re.test(name);
}

interface TopicsOptions extends DescribeFilters {
  bootstrapServer: string;
  create?: boolean;
  list?: boolean;
  describe?: boolean;
  delete?: boolean;
  alter?: boolean;
  topic?: string;
  partitions?: string;
  replicationFactor?: string;
  config: string[];
  ifNotExists?: boolean;
  ifExists?: boolean;
  json?: boolean;
  commandConfig?: string;
  excludeInternal?: boolean;
}

function positiveInt(value: string | undefined, flag: string): number {
  if (value === undefined) return -1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive whole number (got ${value})`);
  return n;
}

async function create(admin: Admin, o: TopicsOptions): Promise<void> {
  if (!o.topic) throw new Error("--create needs --topic");
  const results = await admin.createTopicsWithResults({
    topics: [{ topic: o.topic, numPartitions: positiveInt(o.partitions, "--partitions"), replicationFactor: positiveInt(o.replicationFactor, "--replication-factor"), configEntries: Object.entries(parsePairs(o.config, "--config")).map(([name, value]) => ({ name, value })) }],
  });
  const r = results[0]!;
  if (r.errorCode !== 0) {
    if (o.ifNotExists) return;
    throw new ReplogError("TOPIC_ALREADY_EXISTS", `Topic '${o.topic}' already exists.`);
  }
  process.stdout.write(`Created topic ${o.topic}.\n`);
}

async function matchingTopics(admin: Admin, o: TopicsOptions): Promise<string[]> {
  const match = topicMatcher(o.topic);
  return (await admin.listTopics()).filter(match);
}

async function describe(admin: Admin, o: TopicsOptions): Promise<void> {
  const names = await matchingTopics(admin, o);
  if (o.topic && names.length === 0 && !o.ifExists) throw new ReplogError("UNKNOWN_TOPIC_OR_PARTITION", `Topic '${o.topic}' does not exist as expected`);
  if (names.length === 0) {
    if (o.json) process.stdout.write("[]\n");
    return;
  }
  const [{ topics }, cluster] = await Promise.all([admin.fetchTopicMetadata({ topics: names }), admin.describeCluster()]);
  const live = new Set(cluster.brokers.map((b) => b.nodeId));
  if (o.json) {
    process.stdout.write(JSON.stringify(topics.map((t) => describeTopicJson(t, live, o)), null, 2) + "\n");
    return;
  }
  const lines = topics.flatMap((t) => describeTopicLines(t, live, o));
  if (lines.length > 0) process.stdout.write(lines.join("\n") + "\n");
}

/** Kafka's --alter: only a partition increase (configs are changed with kafka-configs in Kafka). */
async function alter(admin: Admin, o: TopicsOptions): Promise<void> {
  if (!o.topic) throw new Error("--alter needs --topic");
  if (o.partitions === undefined) throw new Error("--alter needs --partitions (the new, larger partition count)");
  const names = await matchingTopics(admin, o);
  if (names.length === 0) {
    if (o.ifExists) return;
    throw new ReplogError("UNKNOWN_TOPIC_OR_PARTITION", `Topic '${o.topic}' does not exist as expected`);
  }
  const count = positiveInt(o.partitions, "--partitions");
  await admin.createPartitions({ topicPartitions: names.map((topic) => ({ topic, count })) });
}

async function remove(admin: Admin, o: TopicsOptions): Promise<void> {
  if (!o.topic) throw new Error("--delete needs --topic");
  const names = await matchingTopics(admin, o);
  if (names.length === 0) {
    if (o.ifExists) return;
    throw new ReplogError("UNKNOWN_TOPIC_OR_PARTITION", `Topic '${o.topic}' does not exist as expected`);
  }
  await admin.deleteTopics({ topics: names });
}

export function topicsCommand(): Command {
  return new Command("topics")
    .description("Create, list, describe and delete topics (like kafka-topics.sh).")
    .requiredOption("--bootstrap-server <host:port>", "one or more brokers, comma-separated")
    .option("--create", "create a topic")
    .option("--list", "list topic names")
    .option("--describe", "describe topics and their partitions")
    .option("--delete", "delete topics")
    .option("--alter", "raise a topic's partition count (with --partitions)")
    .option("--topic <name>", "the topic (a regular expression for --list, --describe, --delete)")
    .option("--partitions <n>", "partitions of a new topic (default: the cluster's num.partitions), or the new count with --alter")
    .option("--replication-factor <n>", "replicas per partition of a new topic (default: default.replication.factor)")
    .option("--config <key=value>", "a topic config override for --create (repeatable)", collect, [])
    .option("--if-not-exists", "with --create: do nothing if the topic exists")
    .option("--if-exists", "with --delete, --alter or --describe: do nothing if the topic does not exist")
    .option("--under-replicated-partitions", "with --describe: only partitions whose ISR is smaller than the replica set")
    .option("--under-min-isr-partitions", "with --describe: only partitions without a leader or with |ISR| < min.insync.replicas")
    .option("--at-min-isr-partitions", "with --describe: only partitions with |ISR| = min.insync.replicas")
    .option("--unavailable-partitions", "with --describe: only partitions without a live leader")
    .option("--exclude-internal", "accepted for compatibility (there are no internal topics yet)")
    .option("--json", "with --describe: machine-readable output")
    .option("--command-config <file>", "admin client properties (request.timeout.ms, retries, client.id…)")
    .action(async (raw: TopicsOptions & { underReplicatedPartitions?: boolean; underMinIsrPartitions?: boolean; atMinIsrPartitions?: boolean; unavailablePartitions?: boolean }) => {
      const o: TopicsOptions = { ...raw, underReplicated: raw.underReplicatedPartitions, underMinIsr: raw.underMinIsrPartitions, atMinIsr: raw.atMinIsrPartitions, unavailable: raw.unavailablePartitions };
      const actions = [o.create, o.list, o.describe, o.delete, o.alter].filter(Boolean).length;
      if (actions !== 1) throw new Error("exactly one of --create, --list, --describe, --alter or --delete is needed");
      const admin = adminClient("replog-topics", o);
      try {
        await admin.connect();
        if (o.create) await create(admin, o);
        else if (o.list) process.stdout.write((await matchingTopics(admin, o)).map((n) => `${n}\n`).join(""));
        else if (o.describe) await describe(admin, o);
        else if (o.alter) await alter(admin, o);
        else await remove(admin, o);
      } finally {
        await admin.disconnect();
      }
    });
}

export { splitServers } from "./options.js";
