// `replog leader-election --bootstrap-server B --election-type preferred|unclean
//   (--topic T [--partition P] | --all-topic-partitions | --path-to-json-file F)`,
// as kafka-leader-election.sh: asks the controller (through any broker) for a preferred or an
// unclean election and prints Kafka's three kinds of lines. A partition that could not be elected
// makes the command fail after everything is printed.

import { readFileSync } from "node:fs";
import { Command } from "commander";
import { adminClient } from "./options.js";

export type ElectionType = "PREFERRED" | "UNCLEAN";

export interface ElectionOutcome {
  readonly topic: string;
  readonly partition: number;
  readonly errorName: string;
  readonly errorMessage: string;
}

const name = (o: { topic: string; partition: number }) => `${o.topic}-${o.partition}`;

/**
 * Kafka LeaderElectionCommand's report: the elected partitions, the ones that needed no election
 * (ELECTION_NOT_NEEDED), then one line per failure. Returns the lines and how many failed.
 */
export function electionReport(type: ElectionType, outcomes: readonly ElectionOutcome[]): { lines: string[]; failed: number } {
  const sorted = [...outcomes].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const done = sorted.filter((o) => o.errorName === "NONE");
  const notNeeded = sorted.filter((o) => o.errorName === "ELECTION_NOT_NEEDED");
  const failed = sorted.filter((o) => o.errorName !== "NONE" && o.errorName !== "ELECTION_NOT_NEEDED");
  const lines: string[] = [];
  if (done.length > 0) lines.push(`Successfully completed leader election (${type}) for partitions ${done.map(name).join(", ")}`);
  if (notNeeded.length > 0) lines.push(`Valid replica already elected for partitions ${notNeeded.map(name).join(", ")}`);
  for (const o of failed) lines.push(`Error completing leader election (${type}) for partition: ${name(o)}: ${o.errorName}: ${o.errorMessage}`);
  return { lines, failed: failed.length };
}

/** Kafka's JSON file: {"partitions": [{"topic": "t", "partition": 0}, …]}. */
export function partitionsFromJson(text: string, file: string): Array<{ topic: string; partitions: number[] }> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not JSON: ${(e as Error).message}`);
  }
  const list = (doc as { partitions?: unknown }).partitions;
  if (!Array.isArray(list) || list.length === 0) throw new Error(`${file}: expected {"partitions": [{"topic": "t", "partition": 0}, …]} with at least one partition`);
  const byTopic = new Map<string, number[]>();
  for (const entry of list as Array<{ topic?: unknown; partition?: unknown }>) {
    if (typeof entry?.topic !== "string" || !Number.isInteger(entry.partition) || (entry.partition as number) < 0)
      throw new Error(`${file}: ${JSON.stringify(entry)} is not {"topic": string, "partition": non-negative integer}`);
    const seen = byTopic.get(entry.topic) ?? [];
    if (seen.includes(entry.partition as number)) throw new Error(`${file}: ${entry.topic}-${String(entry.partition)} is listed twice`);
    byTopic.set(entry.topic, [...seen, entry.partition as number]);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

interface Options {
  bootstrapServer: string;
  electionType: string;
  topic?: string;
  partition?: string;
  allTopicPartitions?: boolean;
  pathToJsonFile?: string;
  commandConfig?: string;
}

function electionType(text: string): ElectionType {
  const t = text.toUpperCase();
  if (t !== "PREFERRED" && t !== "UNCLEAN") throw new Error(`--election-type must be preferred or unclean (got "${text}")`);
  return t;
}

/** Which partitions the options name; undefined means every partition (--all-topic-partitions). */
function selection(o: Options): Array<{ topic: string; partitions: number[] }> | undefined {
  const chosen = [o.topic !== undefined, o.allTopicPartitions === true, o.pathToJsonFile !== undefined].filter(Boolean).length;
  if (chosen !== 1) throw new Error("exactly one of --topic, --all-topic-partitions or --path-to-json-file is needed");
  if (o.partition !== undefined && o.topic === undefined) throw new Error("--partition needs --topic");
  if (o.pathToJsonFile !== undefined) return partitionsFromJson(readFileSync(o.pathToJsonFile, "utf8"), o.pathToJsonFile);
  if (o.allTopicPartitions) return undefined;
  if (o.partition === undefined) return [{ topic: o.topic!, partitions: [] }];
  const p = Number(o.partition);
  if (!Number.isInteger(p) || p < 0) throw new Error(`--partition must be a non-negative integer (got "${o.partition}")`);
  return [{ topic: o.topic!, partitions: [p] }];
}

export function leaderElectionCommand(): Command {
  return new Command("leader-election")
    .description("Trigger a preferred or unclean leader election (like kafka-leader-election.sh).")
    .requiredOption("--bootstrap-server <host:port>", "one or more brokers, comma-separated")
    .requiredOption("--election-type <type>", "preferred: move leadership to the first replica if it is in the ISR; unclean: elect any live replica of a partition without a leader (may lose acknowledged records)")
    .option("--topic <name>", "the topic (every partition of it unless --partition is given)")
    .option("--partition <n>", "one partition of --topic")
    .option("--all-topic-partitions", "every partition of every topic")
    .option("--path-to-json-file <file>", 'partitions as {"partitions": [{"topic": "t", "partition": 0}, …]}')
    .option("--command-config <file>", "admin client properties (request.timeout.ms, retries, client.id…)")
    .action(async (o: Options) => {
      const type = electionType(o.electionType);
      let topicPartitions = selection(o);
      const admin = adminClient("replog-leader-election", o);
      try {
        await admin.connect();
        // --topic alone: every partition of it, which the request must name (empty means all topics).
        if (topicPartitions?.some((t) => t.partitions.length === 0)) {
          const meta = await admin.fetchTopicMetadata({ topics: topicPartitions.map((t) => t.topic) });
          topicPartitions = topicPartitions.map((t) =>
            t.partitions.length > 0 ? t : { topic: t.topic, partitions: meta.topics.find((m) => m.name === t.topic)!.partitions.map((p) => p.partitionId) },
          );
        }
        const outcomes = await admin.electLeaders({ electionType: type, topicPartitions });
        const { lines, failed } = electionReport(type, outcomes);
        process.stdout.write(lines.map((l) => `${l}\n`).join(""));
        // Kafka's AdminCommandFailedException, after every line is printed.
        if (failed > 0) throw new Error(`${failed} replica(s) could not be elected`);
      } finally {
        await admin.disconnect();
      }
    });
}
