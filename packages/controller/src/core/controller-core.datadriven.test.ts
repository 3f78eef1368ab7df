// Datadriven scenarios (etcd's testdata style): each file in ./testdata is a transcript of commands
// and the records and responses the controller produced, rendered by describeRecord. They double
// as teaching material: read testdata/*.txt top to bottom. After an intended change of behaviour,
// regenerate with REPLOG_REWRITE=1 and commit only a diff you understand.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { logIndex, nodeId } from "@replog/common";
import { describeRecord, incarnationId } from "@replog/metadata";
import { ControllerTestContext, CLUSTER_ID } from "./test-support/controller-test-context.js";

const DIR = new URL("./testdata/", import.meta.url);
const REWRITE = process.env["REPLOG_REWRITE"] === "1";

interface Case {
  readonly comments: string[];
  readonly command: string;
  readonly expected: string;
}

function parse(text: string): Case[] {
  const cases: Case[] = [];
  const lines = text.split("\n");
  let comments: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      comments.push(line);
      continue;
    }
    if (lines[i + 1] !== "----") throw new Error(`line ${i + 2}: expected ---- after the command "${line}"`);
    const out: string[] = [];
    for (i += 2; i < lines.length && lines[i] !== ""; i++) out.push(lines[i]!);
    cases.push({ comments, command: line, expected: out.join("\n") });
    comments = [];
  }
  return cases;
}

function render(cases: readonly Case[], outputs: readonly string[]): string {
  return cases.map((c, i) => [...c.comments, c.command, "----", outputs[i]!].join("\n")).join("\n\n") + "\n";
}

const json = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v));

class Runner {
  readonly ctx = new ControllerTestContext();

  run(command: string): string {
    const [verb, ...args] = command.split(/\s+/);
    const opts = Object.fromEntries(args.filter((a) => a.includes("=")).map((a) => a.split("=") as [string, string]));
    const flags = new Set(args.filter((a) => !a.includes("=")));
    const before = this.ctx.log.length;
    const response = this.dispatch(verb!, args, opts, flags);
    const records = this.ctx.log.slice(before).map((r) => this.names(describeRecord(r)));
    return [...records, ...(response === undefined ? [] : [response])].join("\n") || "(nothing)";
  }

  /** Topic ids are random-looking: show the topic name instead (except where the id is assigned). */
  private names(text: string): string {
    if (text.startsWith("Topic ")) return text;
    let out = text;
    for (const name of this.ctx.core.replication.topicNames()) out = out.replaceAll(this.ctx.core.replication.topicId(name)!, name);
    for (const r of this.ctx.log) if (r.type === "TopicRecord") out = out.replaceAll(r.topicId, r.name);
    return out;
  }

  private dispatch(verb: string, args: string[], opts: Record<string, string>, flags: Set<string>): string | undefined {
    const ctx = this.ctx;
    const id = Number(args[0]);
    switch (verb) {
      case "register": {
        const response = ctx.commit(ctx.core.registerBroker(
          { brokerId: nodeId(id), clusterId: CLUSTER_ID, incarnationId: incarnationId(opts["incarnation"] ?? `inc-${id}`), endpoints: [{ name: "PLAINTEXT", host: "127.0.0.1", port: 9090 + id }], rack: null },
          ctx.nowMs,
          logIndex(ctx.lastIndex + 1),
        ));
        return `response: ${json(response)}`;
      }
      case "heartbeat": {
        const offset = opts["offset"] === undefined ? undefined : Number(opts["offset"]);
        return `response: ${json(ctx.heartbeat(id, { wantFence: flags.has("fence"), wantShutDown: flags.has("shutdown"), offset }))}`;
      }
      case "time":
        ctx.nowMs += Number(args[0]);
        return `now=${ctx.nowMs}`;
      case "fence-stale":
        return `fenced: ${ctx.commit(ctx.core.maybeFenceOneStaleBroker(ctx.nowMs)) ?? "none"}`;
      case "failover":
        ctx.core.onNewActiveController(ctx.nowMs);
        return "every broker has a fresh session";
      case "create-topic": {
        const assignments = opts["replicas"]!.split("/").map((r) => r.split(",").map((b) => nodeId(Number(b))));
        const configs = Object.fromEntries(args.slice(2).filter((a) => a.includes("=")).map((a) => a.split("=") as [string, string]));
        const [result] = ctx.commit(ctx.core.createTopics([{ name: args[0]!, assignments, configs }]));
        return result!.error === undefined ? `created ${args[0]}` : `error: ${result!.error.error}: ${result!.error.message}`;
      }
      case "alter-isr":
        return this.alterIsr(args[0]!, Number(args[1]), args[2]!.split(",").map(Number), flags.has("recovered"));
      case "elect": {
        const [result] = ctx.commit(ctx.core.electLeaders(args[0] === "unclean" ? "UNCLEAN" : "PREFERRED", [{ topic: args[1]!, partition: Number(args[2]) }]));
        return result!.error === undefined ? "elected" : `error: ${result!.error.error}`;
      }
      case "set-config": {
        const [name, value] = args[1]!.split("=") as [string, string];
        const [result] = ctx.commit(ctx.core.incrementalAlterConfigs([{ resourceType: "TOPIC", resourceName: args[0]!, configs: [{ name, op: "SET", value }] }]));
        return result!.error === undefined ? undefined : `error: ${result!.error.error}: ${result!.error.message}`;
      }
      case "unclean-scan":
        return `elections: ${ctx.commit(ctx.core.replication.maybeElectUncleanLeaders())}`;
      case "partition":
        return `${args[0]}-${args[1]} ${ctx.describe(args[0]!, Number(args[1]))}`;
      default:
        throw new Error(`unknown command ${verb}`);
    }
  }

  /** AlterPartition from the partition's current leader, with its current epochs. */
  private alterIsr(topic: string, partition: number, isr: number[], recovered: boolean): string {
    const ctx = this.ctx;
    const p = ctx.partition(topic, partition);
    const response = ctx.commit(ctx.core.alterPartition({
      brokerId: p.leader, brokerEpoch: ctx.epoch(p.leader),
      topics: [{
        topicId: ctx.core.replication.topicId(topic)!,
        partitions: [{
          partitionIndex: partition, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch,
          leaderRecoveryState: recovered ? "RECOVERED" : p.leaderRecoveryState,
          newIsrWithEpochs: isr.map((b) => ({ brokerId: nodeId(b), brokerEpoch: ctx.epoch(b) })),
        }],
      }],
    }));
    const result = response.topics[0]!.partitions[0]!;
    return "error" in result ? `error: ${result.error.error}: ${result.error.message}` : `response: ${json(result)}`;
  }
}

describe("controller scenarios (testdata/*.txt)", () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith(".txt")).sort()) {
    it(file, () => {
      const path = new URL(file, DIR);
      const cases = parse(readFileSync(path, "utf8"));
      const runner = new Runner();
      const outputs = cases.map((c) => runner.run(c.command));
      if (REWRITE) writeFileSync(path, render(cases, outputs));
      else cases.forEach((c, i) => expect(outputs[i], `${file}: ${c.command}`).toBe(c.expected));
    });
  }
});
