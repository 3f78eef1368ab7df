// `replog server`: run one node (controller, broker, or both) from a server.properties file,
// REPLOG_* environment variables and --override key=value, later winning (DESIGN.md section 6).

import { Command } from "commander";
import { BrokerRole } from "@replog/broker";
import { ControllerRole } from "@replog/controller";
import { loadServerConfig } from "../server/load-config.js";
import { bindOutgoingLoopback } from "../server/local-address.js";
import { createNodeLogger } from "../server/logging.js";
import { checkFormatted, formatDirectory } from "../server/meta-properties.js";
import { NodeRuntime, newRegistry, type RoleStarter } from "../server/node-runtime.js";
import { collect } from "./options.js";

function controllerMetadata(role: ControllerRole) {
  return {
    metadata: role.metadata,
    get appliedIndex() {
      return role.metadata.appliedIndex;
    },
    leaderId: () => role.driver.status().leader,
    start: () => undefined,
    stop: () => undefined,
  };
}

export function serverCommand(): Command {
  return new Command("server")
    .description("Run a replog node. Roles come from process.roles: controller, broker, or broker,controller.")
    .option("-c, --config <file>", "a server.properties file")
    .option("--override <key=value>", "a config key that wins over the file and the environment (repeatable)", collect, [])
    .addHelpText(
      "after",
      "\nEvery key can also come from the environment: REPLOG_ + the key upper-cased, with . → _, _ → __, - → ___\n" +
        "(Kafka's docker rule), e.g. REPLOG_REPLICA_LAG_TIME_MAX_MS=10000. REPLOG_CLUSTER_ID formats empty log\n" +
        "directories on start (as the Kafka docker image does); otherwise run replog storage format first.",
    )
    .action(async (opts: { config?: string; override: string[] }) => {
      const resolved = loadServerConfig({ configFile: opts.config, env: process.env, overrides: opts.override });
      const { config, roles } = resolved;
      const logger = createNodeLogger(config.nodeId, [...roles]);
      bindOutgoingLoopback(config.localAddress);
      const dirs = [...new Set([...config.logDirs, ...(config.metadataLogDir ? [config.metadataLogDir] : [])])];
      const autoClusterId = process.env.REPLOG_CLUSTER_ID;
      if (autoClusterId) for (const d of dirs) formatDirectory(d, autoClusterId, config.nodeId);
      const clusterId = checkFormatted(dirs, config.nodeId);
      const runtime = new NodeRuntime({ resolved, clusterId, logger, registry: newRegistry(config.nodeId) });
      const starters: RoleStarter[] = [];
      let controller: ControllerRole | undefined;
      if (roles.has("controller")) starters.push(async (ctx) => (controller = await ControllerRole.start(ctx)));
      if (roles.has("broker")) {
        // Combined mode: the broker reads the metadata its own controller replays as a voter.
        starters.push((ctx) => BrokerRole.start(controller ? { ...ctx, sharedMetadata: controllerMetadata(controller) } : ctx));
      }
      logger.info({ clusterId, roles: [...roles] }, "starting replog node");
      try {
        await runtime.start(starters);
      } catch (e) {
        // A role that cannot start is fatal: exit non-zero rather than run half a node.
        logger.fatal({ err: (e as Error).message }, "a role failed to start");
        await runtime.stop("start-up failed").catch(() => undefined);
        throw e;
      }
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          runtime.stop(`received ${signal}`).then(resolve, (e: Error) => {
            logger.error({ err: e.message }, "error while stopping");
            resolve();
          });
        };
        process.once("SIGTERM", () => stop("SIGTERM"));
        process.once("SIGINT", () => stop("SIGINT"));
      });
    });
}
