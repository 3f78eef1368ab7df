// `replog configs --bootstrap-server B --entity-type topics --entity-name T
//   (--describe | --alter [--add-config k=v,…] [--delete-config k,…])`, as kafka-configs.sh:
// shows a topic's dynamic config overrides with Kafka's lines, and changes them through the
// controller (IncrementalAlterConfigs), effective without a restart. Values are validated by the
// controller; a refusal comes back by its Kafka name.

import { Command } from "commander";
import { ReplogError } from "@replog/client";
import { adminClient } from "./options.js";

/**
 * Kafka's --add-config syntax: `k1=v1,k2=[a,b],k3=v3`; square brackets hold a list value whose
 * commas are not separators (cleanup.policy=[delete,compact]).
 */
export function parseAddConfig(text: string): Array<{ name: string; value: string }> {
  const out: Array<{ name: string; value: string }> = [];
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf("=", i);
    if (eq < 0) throw new Error(`--add-config: "${text.slice(i)}" is not key=value`);
    const name = text.slice(i, eq).trim();
    if (name === "" || name.includes(",")) throw new Error(`--add-config: "${text.slice(i, eq)}" is not a config name`);
    let value: string;
    if (text[eq + 1] === "[") {
      const close = text.indexOf("]", eq);
      if (close < 0) throw new Error(`--add-config: the list value of ${name} has no closing ]`);
      value = text.slice(eq + 2, close);
      i = close + 1;
      if (i < text.length && text[i] !== ",") throw new Error(`--add-config: expected "," after the list value of ${name}`);
      i++;
    } else {
      const comma = text.indexOf(",", eq);
      value = text.slice(eq + 1, comma < 0 ? text.length : comma);
      i = comma < 0 ? text.length : comma + 1;
    }
    out.push({ name, value: value.trim() });
  }
  return out;
}

/** Kafka's describe lines for a topic's dynamic overrides. */
export function describeConfigLines(topic: string, configs: Readonly<Record<string, string>>): string[] {
  const entries = Object.entries(configs).sort(([a], [b]) => a.localeCompare(b));
  return [`Dynamic configs for topic ${topic} are:`, ...entries.map(([k, v]) => `  ${k}=${v} sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:${k}=${v}}`)];
}

interface Options {
  bootstrapServer: string;
  entityType: string;
  entityName?: string;
  describe?: boolean;
  alter?: boolean;
  addConfig?: string;
  deleteConfig?: string;
  json?: boolean;
  commandConfig?: string;
}

function check(o: Options): void {
  if (o.entityType !== "topics") throw new Error(`--entity-type ${o.entityType} is not supported: replog's configs tool handles topics`);
  if (Boolean(o.describe) === Boolean(o.alter)) throw new Error("exactly one of --describe or --alter is needed");
  if (o.alter && !o.entityName) throw new Error("--alter needs --entity-name");
  if (o.alter && !o.addConfig && !o.deleteConfig) throw new Error("--alter needs --add-config or --delete-config");
}

export function configsCommand(): Command {
  return new Command("configs")
    .description("Describe or change a topic's dynamic configs (like kafka-configs.sh).")
    .requiredOption("--bootstrap-server <host:port>", "one or more brokers, comma-separated")
    .requiredOption("--entity-type <type>", "topics")
    .option("--entity-name <name>", "the topic (every topic with --describe when left out)")
    .option("--describe", "print the dynamic config overrides")
    .option("--alter", "change configs (with --add-config and/or --delete-config)")
    .option("--add-config <k=v,…>", "configs to set, e.g. retention.ms=60000,cleanup.policy=[delete,compact]")
    .option("--delete-config <k,…>", "overrides to remove (back to the broker default)")
    .option("--json", "with --describe: machine-readable output")
    .option("--command-config <file>", "admin client properties (request.timeout.ms, retries, client.id…)")
    .action(async (o: Options) => {
      check(o);
      const admin = adminClient("replog-configs", o);
      try {
        await admin.connect();
        if (o.describe) {
          const { topics } = await admin.fetchTopicMetadata(o.entityName ? { topics: [o.entityName] } : {});
          if (o.json) process.stdout.write(JSON.stringify(topics.map((t) => ({ topic: t.name, configs: t.configs })), null, 2) + "\n");
          else process.stdout.write(topics.flatMap((t) => describeConfigLines(t.name, t.configs)).map((l) => `${l}\n`).join(""));
          return;
        }
        const set = o.addConfig ? parseAddConfig(o.addConfig).map((c) => ({ ...c, operation: "SET" as const })) : [];
        const remove = (o.deleteConfig ?? "").split(",").map((k) => k.trim()).filter(Boolean).map((name) => ({ name, operation: "DELETE" as const }));
        // An unknown topic is refused by name before anything is sent.
        await admin.fetchTopicMetadata({ topics: [o.entityName!] }).catch((e: ReplogError) => {
          throw e.type === "UNKNOWN_TOPIC_OR_PARTITION" ? new ReplogError("UNKNOWN_TOPIC_OR_PARTITION", `topic ${o.entityName} does not exist`) : e;
        });
        await admin.incrementalAlterConfigs({ resources: [{ type: "TOPIC", name: o.entityName!, configEntries: [...set, ...remove] }] });
        process.stdout.write(`Completed updating config for topic ${o.entityName}.\n`);
      } finally {
        await admin.disconnect();
      }
    });
}
