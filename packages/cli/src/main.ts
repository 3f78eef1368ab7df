// The `replog` command line: one executable for the server and the Kafka-shaped tools.
import { Command, CommanderError } from "commander";
import { ConfigError } from "@replog/common";
import { devCommand } from "./commands/dev.js";
import { metadataQuorumCommand } from "./commands/metadata-quorum.js";
import { serverCommand } from "./commands/server.js";
import { storageCommand } from "./commands/storage.js";
import { consoleConsumerCommand } from "./commands/console-consumer.js";
import { consoleProducerCommand } from "./commands/console-producer.js";
import { configsCommand } from "./commands/configs.js";
import { leaderElectionCommand } from "./commands/leader-election.js";
import { topicsCommand } from "./commands/topics.js";
import { producerPerfTestCommand } from "./commands/producer-perf-test.js";
import { consumerPerfTestCommand } from "./commands/consumer-perf-test.js";

export function buildProgram(): Command {
  const program = new Command("replog")
    .description("replog: a Kafka-style replicated log cluster. Run a node, a local cluster, or the Kafka-shaped tools.")
    .showHelpAfterError("(add --help for usage)")
    .configureHelp({ sortSubcommands: true })
    .enablePositionalOptions();
  program.addCommand(serverCommand());
  program.addCommand(storageCommand());
  program.addCommand(devCommand());
  program.addCommand(metadataQuorumCommand());
  program.addCommand(topicsCommand());
  program.addCommand(consoleProducerCommand());
  program.addCommand(consoleConsumerCommand());
  program.addCommand(leaderElectionCommand());
  program.addCommand(configsCommand());
  program.addCommand(producerPerfTestCommand());
  program.addCommand(consumerPerfTestCommand());
  return program;
}

/** Runs the CLI; returns the exit code. Errors are printed as one clear line on stderr. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof ConfigError) {
      process.stderr.write(`Error: ${e.message}\n`);
      return 1;
    }
    const err = e as Error & { type?: string };
    process.stderr.write(`Error: ${err.type ? `${err.type}: ` : ""}${err.message}\n`);
    return 1;
  }
}
