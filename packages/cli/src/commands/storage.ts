// `replog storage format | random-uuid`, as `kafka-storage.sh`.
import { Command } from "commander";
import { loadServerConfig } from "../server/load-config.js";
import { formatDirectory, randomUuid } from "../server/meta-properties.js";
import { collect } from "./options.js";

export function storageCommand(): Command {
  const storage = new Command("storage").description("Prepare log directories (like kafka-storage.sh).");

  storage
    .command("random-uuid")
    .description("Print a new cluster id.")
    .action(() => {
      process.stdout.write(randomUuid() + "\n");
    });

  storage
    .command("format")
    .description("Write meta.properties into every log directory and the metadata log directory of a node.")
    .requiredOption("-c, --config <file>", "the node's server.properties")
    .requiredOption("-t, --cluster-id <id>", "the cluster id (replog storage random-uuid makes one)")
    .option("--override <key=value>", "a config key that wins over the file and the environment (repeatable)", collect, [])
    .option("-g, --ignore-formatted", "succeed if a directory is already formatted for this cluster and node", false)
    .action((opts: { config: string; clusterId: string; override: string[]; ignoreFormatted: boolean }) => {
      const { config } = loadServerConfig({ configFile: opts.config, env: process.env, overrides: opts.override });
      const dirs = new Set([...config.logDirs, ...(config.metadataLogDir ? [config.metadataLogDir] : [])]);
      for (const dir of dirs) {
        const outcome = formatDirectory(dir, opts.clusterId, config.nodeId);
        if (outcome === "already-formatted" && !opts.ignoreFormatted) {
          throw new Error(`Log directory ${dir} is already formatted. Use --ignore-formatted to ignore this directory and format the others.`);
        }
        process.stdout.write(outcome === "formatted" ? `Formatting ${dir} with cluster.id ${opts.clusterId}\n` : `${dir} is already formatted\n`);
      }
    });
  return storage;
}
