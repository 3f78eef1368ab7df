// The broker's gRPC API (protos/replog/broker.proto): Metadata from the metadata image, Produce and
// Fetch on long-lived streams (many requests in flight, answered by correlation id), ListOffsets,
// and admin requests forwarded to the active controller. Malformed input gets a typed per-partition
// error; nothing here throws into gRPC.

import { status, type ServerDuplexStream, type ServerUnaryCall, type UntypedServiceImplementation, type sendUnaryData } from "@grpc/grpc-js";
import type { MetadataImage } from "@replog/metadata";
import { batchesIn } from "@replog/protocol";
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from "@replog/storage";
import type { ControllerChannel } from "./controller-channel.js";
import type { ProducerIdManager } from "./producer-id-manager.js";
import { NO_ERROR, errorFields } from "./partition-errors.js";
import type { Partition, ReadOutcome } from "./partition.js";
import type { ReplicaManager } from "./replica-manager.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- broker.proto messages
type Wire = any;

export interface BrokerServiceContext {
  readonly brokerId: number;
  readonly clusterId: string;
  /** The listener this service answers on; Metadata lists every broker's endpoint on the same one. */
  readonly listenerName: string;
  readonly replicas: ReplicaManager;
  readonly image: () => MetadataImage;
  readonly metadataOffset: () => number;
  readonly activeControllerId: () => number;
  readonly controller: ControllerChannel;
  /** Hands out idempotent producers' ids (InitProducerId). */
  readonly producerIds: Pick<ProducerIdManager, "generate">;
  /** Bound on one Fetch's wait, whatever the client asks. */
  readonly fetchWaitMaxMs: number;
  /** False until the broker has caught up with metadata: clients get UNAVAILABLE and try another broker. */
  readonly isServing: () => boolean;
  /** Metrics hooks: record bytes accepted from producers and served to consumers. */
  readonly onBytesIn?: (bytes: number, records: number) => void;
  readonly onBytesOut?: (bytes: number, records: number) => void;
  /** Latency hooks (seconds), once per request: never per record. */
  readonly onProduceTimed?: (acks: number, stage: "local_append" | "replica_wait" | "total", seconds: number) => void;
  readonly onFetchTimed?: (kind: "consumer" | "follower", seconds: number) => void;
}

const int = (x: unknown, fallback: number) => {
  const n = Number(x);
  return Number.isFinite(n) ? n : fallback;
};

const STARTING = { code: status.UNAVAILABLE, details: "broker is starting: catching up with the metadata log" };

export function brokerHandlers(ctx: BrokerServiceContext): UntypedServiceImplementation {
  return {
    Metadata: (call: ServerUnaryCall<Wire, Wire>, cb: sendUnaryData<Wire>) => (ctx.isServing() ? cb(null, metadata(ctx, call.request)) : cb(STARTING)),
    InitProducerId: (call: ServerUnaryCall<Wire, Wire>, cb: sendUnaryData<Wire>) => {
      if (!ctx.isServing()) return cb(STARTING);
      initProducerId(ctx, call.request).then((r) => cb(null, r), (e: Error) => cb({ code: status.INTERNAL, details: e.message }));
    },
    ListOffsets: (call: ServerUnaryCall<Wire, Wire>, cb: sendUnaryData<Wire>) => {
      if (!ctx.isServing()) return cb(STARTING);
      listOffsets(ctx, call.request).then((r) => cb(null, r), (e: Error) => cb({ code: status.INTERNAL, details: e.message }));
    },
    Produce: (call: ServerDuplexStream<Wire, Wire>) => {
      if (!ctx.isServing()) return call.destroy(Object.assign(new Error(STARTING.details), STARTING));
      call.on("data", (req: Wire) => {
        void produce(ctx, req).then((res) => {
          if (res && !call.destroyed) call.write(res);
        });
      });
      call.on("end", () => call.end());
      call.on("error", () => undefined);
    },
    Fetch: (call: ServerDuplexStream<Wire, Wire>) => {
      if (!ctx.isServing()) return call.destroy(Object.assign(new Error(STARTING.details), STARTING));
      call.on("data", (req: Wire) => {
        void fetch(ctx, req).then((res) => {
          if (!call.destroyed) call.write(res);
        });
      });
      call.on("end", () => call.end());
      call.on("error", () => undefined);
    },
  };
}

export function brokerAdminHandlers(ctx: BrokerServiceContext): UntypedServiceImplementation {
  const forward = (method: string) => (call: ServerUnaryCall<Wire, Wire>, cb: sendUnaryData<Wire>) => {
    ctx.controller.call(method, call.request).then(
      (res) => cb(null, res),
      (e: Error) => cb(null, { errorCode: 15, errorMessage: `COORDINATOR_NOT_AVAILABLE: no controller answered (${e.message})`, leaderEndpoint: "" }),
    );
  };
  return Object.fromEntries(["CreateTopics", "DeleteTopics", "CreatePartitions", "IncrementalAlterConfigs", "ElectLeaders", "DescribeQuorum"].map((m) => [m, forward(m)]));
}

/** The Metadata answer from the image, with endpoints on `ctx.listenerName` (exported for its tests). */
export function metadata(ctx: Pick<BrokerServiceContext, "image" | "listenerName" | "clusterId" | "activeControllerId" | "metadataOffset">, req: Wire): Wire {
  const image = ctx.image();
  // Kafka answers with each broker's endpoint on the listener the request came in on, so a client
  // outside the network (PLAINTEXT_HOST) is never sent to an address only the inside can reach. A
  // broker without that listener is left out; a partition it leads gets LISTENER_NOT_FOUND.
  const endpoint = (b: { endpoints: readonly { name: string; host: string; port: number }[] }) => b.endpoints.find((e) => e.name === ctx.listenerName);
  const alive = [...image.cluster.brokers.values()].filter((b) => !b.fenced);
  const brokers = alive.flatMap((b) => {
    const ep = endpoint(b);
    return ep ? [{ nodeId: b.brokerId, host: ep.host, port: ep.port, rack: b.rack ?? "" }] : [];
  });
  const offline = (id: number) => {
    const b = image.cluster.brokers.get(id as never);
    return !b || b.fenced;
  };
  const unlistened = (id: number) => {
    const b = image.cluster.brokers.get(id as never);
    return b !== undefined && !b.fenced && endpoint(b) === undefined;
  };
  const names: string[] = (req.topics ?? []).length > 0 ? req.topics : image.topics.topicNames();
  const topics = names.map((name) => {
    const topic = image.topics.topicByName(name);
    if (!topic) return { ...errorFields("UNKNOWN_TOPIC_OR_PARTITION"), name, topicId: "", partitions: [], configs: {} };
    const partitions = topic.partitionIds().map((index) => {
      const p = topic.partition(index)!;
      const err =
        p.leader < 0 ? errorFields("LEADER_NOT_AVAILABLE")
        : unlistened(p.leader) ? errorFields("LISTENER_NOT_FOUND", `leader ${p.leader} has no ${ctx.listenerName} listener`)
        : NO_ERROR;
      return {
        errorCode: err.errorCode,
        errorName: err.errorName,
        partitionIndex: index,
        leaderId: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: [...p.replicas],
        isrNodes: [...p.isr],
        offlineReplicas: p.replicas.filter(offline),
      };
    });
    return { errorCode: 0, errorName: "NONE", name, topicId: topic.id, partitions, configs: Object.fromEntries(image.configs.topicConfigs(name)) };
  });
  return { brokers, clusterId: ctx.clusterId, controllerId: ctx.activeControllerId(), topics, metadataOffset: String(ctx.metadataOffset()) };
}

/** Kafka InitProducerId for an idempotent producer: a fresh id at epoch 0. */
export async function initProducerId(ctx: Pick<BrokerServiceContext, "producerIds">, req: Wire): Promise<Wire> {
  const refused = (name: string, message: string) => ({ ...errorFields(name, message), producerId: "-1", producerEpoch: -1 });
  if (typeof req.transactionalId === "string" && req.transactionalId !== "") return refused("INVALID_REQUEST", "transactional producers are not supported; use an idempotent producer without transactional.id");
  try {
    return { ...NO_ERROR, producerId: String(await ctx.producerIds.generate()), producerEpoch: 0 };
  } catch (e) {
    // The controller's answers read "NAME: message"; anything else means it could not be reached.
    const message = (e as Error).message;
    const name = /^([A-Z_]+): /.exec(message)?.[1];
    return name ? refused(name, message.slice(name.length + 2)) : refused("COORDINATOR_NOT_AVAILABLE", `no producer id block from the controller (${message})`);
  }
}

async function produce(ctx: BrokerServiceContext, req: Wire): Promise<Wire | undefined> {
  const started = performance.now();
  const acks = int(req.acks, -1);
  const timeoutMs = Math.max(0, int(req.timeoutMs, 30_000));
  const topics = await Promise.all(
    (req.topics ?? []).map(async (t: Wire) => ({
      name: t.name,
      partitions: await Promise.all(
        (t.partitions ?? []).map(async (pd: Wire) => {
          const base = { index: pd.index, baseOffset: "-1", logAppendTimeMs: "-1", logStartOffset: "-1" };
          if (acks !== 0 && acks !== 1 && acks !== -1) return { ...base, ...errorFields("INVALID_REQUIRED_ACKS", `acks must be 0, 1 or -1 (all), not ${req.acks}`) };
          const partition = ctx.replicas.get(t.name, pd.index);
          if (!partition) return { ...base, ...unknownOrNotLeader(ctx, t.name, pd.index) };
          const records: Buffer = pd.records ?? Buffer.alloc(0);
          if (records.length === 0) return { ...base, ...errorFields("INVALID_RECORD", "a produce request carries no record batch") };
          const r = await partition.produce(records, acks, timeoutMs);
          if (r.errorCode === 0) ctx.onBytesIn?.(records.length, recordCount(records));
          if (r.localAppendSeconds !== undefined) ctx.onProduceTimed?.(acks, "local_append", r.localAppendSeconds);
          if (r.replicaWaitSeconds !== undefined) ctx.onProduceTimed?.(acks, "replica_wait", r.replicaWaitSeconds);
          return { index: pd.index, errorCode: r.errorCode, errorName: r.errorName, errorMessage: r.errorMessage, baseOffset: String(r.baseOffset), logAppendTimeMs: String(r.logAppendTimeMs), logStartOffset: String(r.logStartOffset) };
        }),
      ),
    })),
  );
  ctx.onProduceTimed?.(acks, "total", (performance.now() - started) / 1000);
  return acks === 0 ? undefined : { correlationId: req.correlationId, topics };
}

/** Records in a produce request, from the batch headers only (no record is decoded). */
function recordCount(records: Buffer): number {
  let n = 0;
  try {
    for (const { header } of batchesIn(records)) n += header.recordCount;
  } catch {
    // Counted only after a successful append, so the batches are valid; never fail a request here.
  }
  return n;
}

function unknownOrNotLeader(ctx: BrokerServiceContext, topic: string, index: number) {
  const t = ctx.image().topics.topicByName(topic);
  if (!t || !t.partition(index)) return errorFields("UNKNOWN_TOPIC_OR_PARTITION", `no partition ${topic}-${index}`);
  return errorFields("NOT_LEADER_OR_FOLLOWER", `broker ${ctx.brokerId} is not a replica of ${topic}-${index}`);
}

async function fetch(ctx: BrokerServiceContext, req: Wire): Promise<Wire> {
  const started = performance.now();
  const replicaId = int(req.replicaId, -1);
  const replicaEpoch = BigInt(int(req.replicaEpoch, -1));
  const maxWait = Math.min(Math.max(0, int(req.maxWaitMs, 500)), ctx.fetchWaitMaxMs);
  const minBytes = Math.max(0, int(req.minBytes, 1));
  let budget = Math.max(1, int(req.maxBytes, 52_428_800));
  const deadline = Date.now() + maxWait;
  const wanted: Array<{ topic: string; p: Wire; partition: Partition | undefined }> = [];
  for (const t of req.topics ?? []) for (const p of t.partitions ?? []) wanted.push({ topic: t.name, p, partition: ctx.replicas.get(t.name, p.index) });
  for (;;) {
    let bytes = 0;
    const results: Array<{ topic: string; index: number; out: ReadOutcome }> = [];
    for (const { topic, p, partition } of wanted) {
      const out = await readOne(ctx, replicaId, replicaEpoch, topic, p, partition, Math.min(budget, Math.max(1, int(p.partitionMaxBytes, 1_048_576))));
      bytes += out.records.length;
      results.push({ topic, index: p.index, out });
    }
    const anyError = results.some((r) => r.out.errorCode !== 0 || r.out.divergingEpoch);
    const remaining = deadline - Date.now();
    if (bytes >= minBytes || anyError || remaining <= 0 || wanted.length === 0) {
      budget -= bytes;
      // Records counted from batch headers, one per batch, as for bytes in.
      if (replicaId < 0) ctx.onBytesOut?.(bytes, results.reduce((n, r) => n + (r.out.records.length > 0 ? recordCount(r.out.records) : 0), 0));
      ctx.onFetchTimed?.(replicaId < 0 ? "consumer" : "follower", (performance.now() - started) / 1000);
      return toFetchResponse(req.correlationId, results);
    }
    await Promise.race(wanted.map((w) => w.partition?.waitForData(remaining) ?? new Promise((r) => setTimeout(r, remaining))));
  }
}

async function readOne(ctx: BrokerServiceContext, replicaId: number, replicaEpoch: bigint, topic: string, p: Wire, partition: Partition | undefined, maxBytes: number): Promise<ReadOutcome> {
  const none = { records: Buffer.alloc(0), highWatermark: -1, logStartOffset: -1, logEndOffset: -1 };
  if (!partition) return { ...none, ...unknownOrNotLeader(ctx, topic, p.index) };
  const fetchOffset = int(p.fetchOffset, -1);
  if (fetchOffset < 0) return { ...none, ...errorFields("OFFSET_OUT_OF_RANGE", `fetch offset ${p.fetchOffset} is negative`) };
  const currentLeaderEpoch = int(p.currentLeaderEpoch, -1);
  if (replicaId >= 0) {
    return partition.readForFollower(replicaId, replicaEpoch, {
      fetchOffset,
      lastFetchedEpoch: int(p.lastFetchedEpoch, -1),
      currentLeaderEpoch,
      logStartOffset: int(p.logStartOffset, 0),
      maxBytes,
    });
  }
  return partition.readForConsumer({ fetchOffset, currentLeaderEpoch, maxBytes });
}

function toFetchResponse(correlationId: unknown, results: Array<{ topic: string; index: number; out: ReadOutcome }>): Wire {
  const byTopic = new Map<string, Wire[]>();
  for (const { topic, index, out } of results) {
    const list = byTopic.get(topic) ?? [];
    list.push({
      index,
      errorCode: out.errorCode,
      errorName: out.errorName,
      errorMessage: out.errorMessage,
      highWatermark: String(out.highWatermark),
      lastStableOffset: String(out.highWatermark),
      logStartOffset: String(out.logStartOffset),
      logEndOffset: String(out.logEndOffset),
      records: out.records,
      ...(out.divergingEpoch ? { divergingEpoch: { epoch: out.divergingEpoch.epoch, endOffset: String(out.divergingEpoch.endOffset) } } : {}),
      ...(out.currentLeader ? { currentLeader: out.currentLeader } : {}),
    });
    byTopic.set(topic, list);
  }
  return { correlationId, errorCode: 0, errorMessage: "", topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
}

async function listOffsets(ctx: BrokerServiceContext, req: Wire): Promise<Wire> {
  const topics = await Promise.all(
    (req.topics ?? []).map(async (t: Wire) => ({
      name: t.name,
      partitions: await Promise.all(
        (t.partitions ?? []).map(async (lp: Wire) => {
          const base = { index: lp.index, offset: "-1", timestamp: "-1", leaderEpoch: -1 };
          const partition = ctx.replicas.get(t.name, lp.index);
          if (!partition) return { ...base, ...unknownOrNotLeader(ctx, t.name, lp.index) };
          if (!partition.isLeader) return { ...base, ...errorFields("NOT_LEADER_OR_FOLLOWER", `broker ${ctx.brokerId} is not the leader of ${partition.name}`) };
          const requested = int(lp.currentLeaderEpoch, -1);
          if (requested >= 0 && requested !== partition.leaderEpoch) {
            return { ...base, ...errorFields(requested < partition.leaderEpoch ? "FENCED_LEADER_EPOCH" : "UNKNOWN_LEADER_EPOCH") };
          }
          const ts = int(lp.timestamp, LATEST_TIMESTAMP);
          const hw = partition.highWatermark;
          if (ts === EARLIEST_TIMESTAMP) return { ...base, ...NO_ERROR, offset: String(partition.log.logStartOffset), leaderEpoch: partition.leaderEpoch };
          if (ts === LATEST_TIMESTAMP) return { ...base, ...NO_ERROR, offset: String(hw), leaderEpoch: partition.leaderEpoch };
          if (ts < 0) return { ...base, ...errorFields("INVALID_REQUEST", `timestamp ${ts} is neither -1, -2 nor a time`) };
          const found = await partition.log.offsetForTimestamp(ts);
          if (!found || found.offset >= hw) return { ...base, ...NO_ERROR };
          return { ...base, ...NO_ERROR, offset: String(found.offset), timestamp: String(found.timestamp), leaderEpoch: partition.leaderEpoch };
        }),
      ),
    })),
  );
  return { topics };
}
