// Server-level configuration: the keys of Kafka's server.properties that replog has, with Kafka's
// names and defaults (reference: kafka-replication.md sections 6.4, 6.11 and 7). Where replog adds a
// knob Kafka lacks, its name says so (`replog.` prefix) or is documented here.
//
// Topic-level keys that also have a broker-wide default (`min.insync.replicas`,
// `unclean.leader.election.enable`, `log.retention.ms`…) are defined here under their broker names;
// the topic-level definitions live with the log.

import { ConfigError, bool, defineConfig, double, int, list, long, oneOf, string, type ConfigValues } from "./config.js";
import { nodeId, type NodeId } from "./ids.js";

const MS_7_DAYS = 7 * 24 * 60 * 60 * 1000;
/** Kafka's Long.MAX_VALUE default, as far as a JS number holds it exactly. */
export const LONG_MAX = Number.MAX_SAFE_INTEGER;

export const serverConfigDef = defineConfig({
  // --- roles and identity -----------------------------------------------------------------
  processRoles: list("process.roles", undefined, {
    doc: "broker, controller, or broker,controller (combined mode).",
    validate: (roles) =>
      roles.length === 0 || roles.some((r) => r !== "broker" && r !== "controller") || new Set(roles).size !== roles.length
        ? `must be broker, controller or broker,controller (got "${roles.join(",")}")`
        : undefined,
  }),
  nodeId: int("node.id", undefined, { min: 0, doc: "This node's id; brokers and controllers share one id space." }),
  controllerQuorumVoters: list("controller.quorum.voters", [], { doc: "The static quorum: id@host:port,…" }),
  listeners: list("listeners", ["PLAINTEXT://:9092"], { doc: "NAME://host:port for each listener this node opens." }),
  advertisedListeners: list("advertised.listeners", [], { doc: "What other nodes and clients are told; defaults to listeners." }),
  controllerListenerNames: list("controller.listener.names", ["CONTROLLER"], { doc: "The listener(s) the controller quorum uses." }),
  interBrokerListenerName: string("inter.broker.listener.name", "PLAINTEXT", {
    doc: "The broker listener followers use to fetch from leaders; one of advertised.listeners.",
  }),
  listenerSecurityProtocolMap: list("listener.security.protocol.map", ["PLAINTEXT:PLAINTEXT", "SSL:SSL", "SASL_PLAINTEXT:SASL_PLAINTEXT", "SASL_SSL:SASL_SSL"], {
    doc: "NAME:PROTOCOL for each listener name. replog speaks PLAINTEXT only; a controller listener missing here is PLAINTEXT, as in Kafka.",
  }),
  logDirs: list("log.dirs", ["/tmp/kraft-combined-logs"], { doc: "Directories holding partition logs." }),
  metadataLogDir: string("metadata.log.dir", "", { doc: "Where the metadata log lives; empty means the first of log.dirs." }),
  metricsPort: int("replog.metrics.port", 0, { min: 0, max: 65535, doc: "replog: HTTP port for /metrics and /healthz; 0 picks a free port." }),
  localAddress: string("replog.local.address", "", {
    doc:
      "replog: the source address of this node's outgoing loopback connections. replog dev gives every node its own " +
      "127.x address and sets this, so iptables rules can cut one node's links; empty lets the OS choose.",
    validate: (v) => (v === "" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v) ? undefined : "must be empty or an address in 127.0.0.0/8"),
  }),

  // --- controller quorum (Kafka QuorumConfig) ----------------------------------------------
  controllerQuorumElectionTimeoutMs: int("controller.quorum.election.timeout.ms", 1000, {
    min: 1,
    doc:
      "Raft election timeout T: a voter that hears no leader for a random time in [T, 2T) starts a pre-vote; also the " +
      "check-quorum window and, at T/5, the heartbeat interval. Unlike Kafka it also governs noticing a lost leader.",
  }),
  controllerQuorumFetchTimeoutMs: int("controller.quorum.fetch.timeout.ms", 2000, {
    min: 1,
    doc: "Accepted for Kafka compatibility, unused: replog voters are replicated by push, so leader loss is timed by controller.quorum.election.timeout.ms.",
  }),
  controllerQuorumElectionBackoffMaxMs: int("controller.quorum.election.backoff.max.ms", 1000, {
    min: 0,
    doc: "Accepted for Kafka compatibility, unused: a failed election is retried after a new randomized election timeout (Raft).",
  }),
  controllerQuorumAppendLingerMs: int("controller.quorum.append.linger.ms", 25, { min: 0 }),
  controllerQuorumRequestTimeoutMs: int("controller.quorum.request.timeout.ms", 2000, { min: 1 }),
  controllerQuorumRetryBackoffMs: int("controller.quorum.retry.backoff.ms", 20, { min: 0 }),
  metadataLogMaxRecordBytesBetweenSnapshots: long("metadata.log.max.record.bytes.between.snapshots", 20_971_520, { min: 1 }),
  metadataLogMaxSnapshotIntervalMs: long("metadata.log.max.snapshot.interval.ms", 3_600_000, { min: 0 }),
  metadataLogSegmentBytes: int("metadata.log.segment.bytes", 1_073_741_824, { min: 12 }),
  metadataMaxIdleIntervalMs: int("metadata.max.idle.interval.ms", 500, { min: 0, doc: "How often the active controller writes a no-op record." }),

  // --- broker lifecycle (Kafka KRaftConfigs) ------------------------------------------------
  brokerHeartbeatIntervalMs: int("broker.heartbeat.interval.ms", 2000, { min: 1 }),
  brokerSessionTimeoutMs: int("broker.session.timeout.ms", 9000, { min: 1 }),
  initialBrokerRegistrationTimeoutMs: int("initial.broker.registration.timeout.ms", 60_000, { min: 1 }),
  controlledShutdownEnable: bool("controlled.shutdown.enable", true),
  controlledShutdownTimeoutMs: int("replog.controlled.shutdown.timeout.ms", 30_000, {
    min: 0,
    doc: "replog: how long a SIGTERMed broker waits for its leaderships to move before it exits anyway.",
  }),

  // --- replication (Kafka ReplicationConfigs) ----------------------------------------------
  replicaLagTimeMaxMs: long("replica.lag.time.max.ms", 30_000, { min: 0 }),
  replicaFetchWaitMaxMs: int("replica.fetch.wait.max.ms", 500, { min: 0 }),
  replicaFetchMinBytes: int("replica.fetch.min.bytes", 1, { min: 1 }),
  replicaFetchMaxBytes: int("replica.fetch.max.bytes", 1_048_576, { min: 0 }),
  replicaFetchResponseMaxBytes: int("replica.fetch.response.max.bytes", 10_485_760, { min: 0 }),
  replicaFetchBackoffMs: int("replica.fetch.backoff.ms", 1000, { min: 0 }),
  numReplicaFetchers: int("num.replica.fetchers", 1, { min: 1 }),
  replicaHighWatermarkCheckpointIntervalMs: long("replica.high.watermark.checkpoint.interval.ms", 5000, { min: 1 }),
  replicaSocketTimeoutMs: int("replica.socket.timeout.ms", 30_000, { min: 1 }),
  defaultReplicationFactor: int("default.replication.factor", 1, { min: 1 }),
  numPartitions: int("num.partitions", 1, { min: 1 }),
  autoCreateTopicsEnable: bool("auto.create.topics.enable", true),
  minInsyncReplicas: int("min.insync.replicas", 1, { min: 1 }),
  uncleanLeaderElectionEnable: bool("unclean.leader.election.enable", false),
  uncleanLeaderElectionIntervalMs: long("unclean.leader.election.interval.ms", 300_000, { min: 1 }),
  autoLeaderRebalanceEnable: bool("auto.leader.rebalance.enable", true),
  leaderImbalanceCheckIntervalSeconds: long("leader.imbalance.check.interval.seconds", 300, { min: 1 }),

  // --- log defaults (broker-wide synonyms of topic configs) ----------------------------------
  logRetentionMs: long("log.retention.ms", MS_7_DAYS, { min: -1 }),
  logRetentionBytes: long("log.retention.bytes", -1, { min: -1 }),
  logSegmentBytes: int("log.segment.bytes", 1_073_741_824, { min: 14 }),
  logRollMs: long("log.roll.ms", MS_7_DAYS, { min: 1 }),
  logCleanupPolicy: list("log.cleanup.policy", ["delete"], {
    validate: (v) => (v.every((p) => p === "delete" || p === "compact") ? undefined : `must be delete, compact or delete,compact`),
  }),
  logRetentionCheckIntervalMs: long("log.retention.check.interval.ms", 300_000, { min: 1 }),
  logFlushIntervalMessages: long("log.flush.interval.messages", LONG_MAX, { min: 1 }),
  logFlushIntervalMs: long("log.flush.interval.ms", LONG_MAX, { min: 0 }),
  messageMaxBytes: int("message.max.bytes", 1_048_588, { min: 0 }),
  logIndexSizeMaxBytes: int("log.index.size.max.bytes", 10_485_760, { min: 4 }),
  logIndexIntervalBytes: int("log.index.interval.bytes", 4096, { min: 0 }),
  logCleanerMinCleanableRatio: double("log.cleaner.min.cleanable.ratio", 0.5, { min: 0, max: 1 }),
  logCleanerDeleteRetentionMs: long("log.cleaner.delete.retention.ms", 86_400_000, { min: 0 }),
  logSegmentDeleteDelayMs: long("log.segment.delete.delay.ms", 60_000, { min: 0 }),
  compressionType: oneOf("compression.type", ["producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"], "producer"),

  // --- groups ------------------------------------------------------------------------------
  offsetsTopicNumPartitions: int("offsets.topic.num.partitions", 50, { min: 1 }),
  offsetsTopicReplicationFactor: int("offsets.topic.replication.factor", 3, { min: 1 }),
  groupInitialRebalanceDelayMs: int("group.initial.rebalance.delay.ms", 3000, { min: 0 }),
  groupMinSessionTimeoutMs: int("group.min.session.timeout.ms", 6000, { min: 0 }),
  groupMaxSessionTimeoutMs: int("group.max.session.timeout.ms", 1_800_000, { min: 0 }),
  offsetsRetentionMinutes: int("offsets.retention.minutes", 10_080, { min: 1 }),
});

export type ServerConfig = ConfigValues<typeof serverConfigDef>;
export type ProcessRole = "broker" | "controller";

export interface Endpoint {
  readonly listener: string;
  readonly host: string;
  readonly port: number;
}

export interface QuorumVoter {
  readonly id: NodeId;
  readonly host: string;
  readonly port: number;
}

/** `NAME://host:port`; an empty host means "all interfaces" and is kept as "". */
export function parseListener(text: string, key = "listeners"): Endpoint {
  const m = /^([A-Za-z][A-Za-z0-9_]*):\/\/(\[[^\]]*\]|[^:/]*):(\d+)$/.exec(text.trim());
  if (!m) throw new ConfigError(key, `"${text}" is not NAME://host:port`);
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(key, `port ${port} in "${text}" is out of range`);
  return { listener: m[1]!.toUpperCase(), host: m[2]!.replace(/^\[|\]$/g, ""), port };
}

/** `id@host:port`, as in controller.quorum.voters. */
export function parseQuorumVoter(text: string): QuorumVoter {
  const m = /^(\d+)@(\[[^\]]*\]|[^:@]+):(\d+)$/.exec(text.trim());
  if (!m) throw new ConfigError("controller.quorum.voters", `"${text}" is not id@host:port`);
  return { id: nodeId(Number(m[1])), host: m[2]!.replace(/^\[|\]$/g, ""), port: Number(m[3]) };
}

export interface ResolvedServerConfig {
  readonly config: ServerConfig;
  readonly roles: ReadonlySet<ProcessRole>;
  readonly voters: readonly QuorumVoter[];
  readonly listeners: readonly Endpoint[];
  readonly advertisedListeners: readonly Endpoint[];
  /** The listeners a broker serves clients and followers on: every listener but the controller's. */
  readonly brokerListeners: readonly Endpoint[];
  /** What the broker registers with the controller, one endpoint per broker listener it advertises. */
  readonly advertisedBrokerListeners: readonly Endpoint[];
}

/**
 * Kafka's listener.security.protocol.map check: every listener name must map to a protocol, and the
 * only protocol replog speaks is PLAINTEXT. A controller listener left out is PLAINTEXT.
 */
function checkSecurityProtocols(config: ServerConfig, listeners: readonly Endpoint[], controllerNames: readonly string[]): void {
  const map = new Map<string, string>();
  for (const entry of config.listenerSecurityProtocolMap) {
    const m = /^([A-Za-z][A-Za-z0-9_]*):([A-Za-z_]+)$/.exec(entry.trim());
    if (!m) throw new ConfigError("listener.security.protocol.map", `"${entry}" is not NAME:PROTOCOL`);
    map.set(m[1]!.toUpperCase(), m[2]!.toUpperCase());
  }
  for (const l of listeners) {
    const protocol = map.get(l.listener) ?? (controllerNames.includes(l.listener) ? "PLAINTEXT" : undefined);
    if (protocol === undefined) throw new ConfigError("listener.security.protocol.map", `listener ${l.listener} has no security protocol (add ${l.listener}:PLAINTEXT)`);
    if (protocol !== "PLAINTEXT") throw new ConfigError("listener.security.protocol.map", `listener ${l.listener} maps to ${protocol}; replog speaks PLAINTEXT only`);
  }
}

/** Which broker listeners are advertised, and the inter-broker one among them (Kafka's rules). */
function resolveBrokerListeners(config: ServerConfig, listeners: readonly Endpoint[], advertised: readonly Endpoint[], explicit: boolean, controllerNames: readonly string[]) {
  const brokerListeners = listeners.filter((l) => !controllerNames.includes(l.listener));
  const names = new Set(listeners.map((l) => l.listener));
  const advertisedNames = new Set<string>();
  for (const a of advertised) {
    if (!names.has(a.listener)) throw new ConfigError("advertised.listeners", `${a.listener} is not one of the listeners (${[...names].join(", ")})`);
    if (advertisedNames.has(a.listener)) throw new ConfigError("advertised.listeners", `names ${a.listener} twice`);
    // Unset advertised.listeners means "the listeners"; the broker then advertises its host name
    // for an empty host, as Kafka does. Written out, a wildcard cannot be dialled by anyone.
    if (explicit && (a.host === "" || a.host === "0.0.0.0")) throw new ConfigError("advertised.listeners", `${a.listener} must name a host others can reach, not "${a.host}"`);
    advertisedNames.add(a.listener);
  }
  const advertisedBrokerListeners = advertised.filter((a) => !controllerNames.includes(a.listener));
  const inter = config.interBrokerListenerName.toUpperCase();
  if (brokerListeners.length > 0 && !advertisedBrokerListeners.some((a) => a.listener === inter))
    throw new ConfigError(
      "inter.broker.listener.name",
      `${inter} must be one of the advertised broker listeners (${advertisedBrokerListeners.map((a) => a.listener).join(", ") || "none"})`,
    );
  return { brokerListeners, advertisedBrokerListeners };
}

/**
 * Parses and cross-checks a server config: the checks Kafka's KafkaConfig makes at start-up that
 * span several keys. Every refusal names the key.
 */
export function resolveServerConfig(raw: Readonly<Record<string, string>>): ResolvedServerConfig {
  const config = serverConfigDef.parse(raw);
  const roles = new Set(config.processRoles as ProcessRole[]);
  const voters = config.controllerQuorumVoters.map(parseQuorumVoter);
  if (voters.length === 0) throw new ConfigError("controller.quorum.voters", "must name at least one controller (id@host:port)");
  if (new Set(voters.map((v) => v.id)).size !== voters.length) throw new ConfigError("controller.quorum.voters", "names a node id twice");
  const isVoter = voters.some((v) => v.id === config.nodeId);
  if (roles.has("controller") && !isVoter)
    throw new ConfigError("controller.quorum.voters", `node.id ${config.nodeId} has the controller role but is not a voter`);
  if (!roles.has("controller") && isVoter)
    throw new ConfigError("process.roles", `node.id ${config.nodeId} is a voter in controller.quorum.voters but lacks the controller role`);
  const listeners = config.listeners.map((l) => parseListener(l));
  const names = new Set(listeners.map((l) => l.listener));
  if (names.size !== listeners.length) throw new ConfigError("listeners", "names a listener twice");
  const controllerNames = config.controllerListenerNames.map((n) => n.toUpperCase());
  if (roles.has("controller") && !controllerNames.some((n) => names.has(n)))
    throw new ConfigError("listeners", `a controller needs a listener named ${controllerNames.join(" or ")}`);
  if (roles.has("broker") && !listeners.some((l) => !controllerNames.includes(l.listener)))
    throw new ConfigError("listeners", "a broker needs a listener that is not a controller listener");
  checkSecurityProtocols(config, listeners, controllerNames);
  const advertisedListeners = config.advertisedListeners.length === 0 ? listeners : config.advertisedListeners.map((l) => parseListener(l, "advertised.listeners"));
  const { brokerListeners, advertisedBrokerListeners } = roles.has("broker")
    ? resolveBrokerListeners(config, listeners, advertisedListeners, config.advertisedListeners.length > 0, controllerNames)
    : { brokerListeners: [], advertisedBrokerListeners: [] };
  if (config.brokerHeartbeatIntervalMs >= config.brokerSessionTimeoutMs)
    throw new ConfigError("broker.heartbeat.interval.ms", "must be smaller than broker.session.timeout.ms");
  if (config.logDirs.length === 0) throw new ConfigError("log.dirs", "must name at least one directory");
  return { config, roles, voters, listeners, advertisedListeners, brokerListeners, advertisedBrokerListeners };
}

/** Broker-level defaults of topic configs, under their topic-level names (Kafka's synonyms). */
export function staticTopicDefaults(config: ServerConfig): Record<string, string> {
  return {
    "min.insync.replicas": String(config.minInsyncReplicas),
    "unclean.leader.election.enable": String(config.uncleanLeaderElectionEnable),
    "retention.ms": String(config.logRetentionMs),
    "retention.bytes": String(config.logRetentionBytes),
    "segment.bytes": String(config.logSegmentBytes),
    "segment.ms": String(config.logRollMs),
    "cleanup.policy": config.logCleanupPolicy.join(","),
    "max.message.bytes": String(config.messageMaxBytes),
    "min.cleanable.dirty.ratio": String(config.logCleanerMinCleanableRatio),
    "delete.retention.ms": String(config.logCleanerDeleteRetentionMs),
    "file.delete.delay.ms": String(config.logSegmentDeleteDelayMs),
    "compression.type": config.compressionType,
  };
}

