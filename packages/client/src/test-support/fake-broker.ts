// A small in-process stand-in for a cluster of brokers, serving the real broker.proto over real
// gRPC on 127.0.0.1, for unit tests of client logic only (batching, correlation, retries,
// reconnects, leader changes). Each partition is an in-memory list of RecordBatch v2 buffers with
// offsets stamped by the "leader"; there is no replication (the high watermark is the log end).
// Tests steer it: move a leader, inject per-partition error codes, swallow answers, stop a broker.
// The multi-process tests in test/client-*.test.ts run the same client against real brokers.
import * as grpc from "@grpc/grpc-js";
import { batchesIn, loadProtos, setBaseOffset, validateBatch } from "@replog/protocol";
import type { FetchRequestWire, ListOffsetsRequestWire, ProduceRequestWire } from "../wire.js";

interface FakePartition {
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  batches: Array<{ baseOffset: number; lastOffset: number; maxTimestamp: number; bytes: Buffer }>;
  logStartOffset: number;
  logEndOffset: number;
}

export interface InjectedError {
  api: "produce" | "fetch" | "listOffsets";
  topic: string;
  partition: number;
  errorCode: number;
  /** How many requests get it (default 1). */
  times?: number;
}

type ServiceCtor = grpc.ServiceClientConstructor & { service: grpc.ServiceDefinition };

function services(): { Broker: ServiceCtor; BrokerAdmin: ServiceCtor } {
  const pkg = grpc.loadPackageDefinition(loadProtos()) as unknown as { replog: { broker: { v1: { Broker: ServiceCtor; BrokerAdmin: ServiceCtor } } } };
  return pkg.replog.broker.v1;
}

export class FakeCluster {
  readonly topics = new Map<string, FakePartition[]>();
  readonly servers = new Map<number, { server: grpc.Server; port: number }>();
  readonly injected: InjectedError[] = [];
  /** Produce requests per broker, as they arrived (for assertions on batching and routing). */
  readonly produceLog: Array<{ nodeId: number; request: ProduceRequestWire }> = [];
  /** When set, produce requests to these brokers are read but never answered. */
  readonly silentBrokers = new Set<number>();
  private readonly waiters = new Set<() => void>();
  adminCalls: Array<{ method: string; request: unknown }> = [];
  /** Whether fetch answers name the current leader (KIP-951 style hints). */
  leaderHints = true;
  /** Metadata requests served, by any broker. */
  metadataCalls = 0;
  /** InitProducerId hands out 1000, 1001, … (any broker), as a broker's id block would. */
  nextProducerId = 1000n;
  /** Answers NOT_CONTROLLER to this many admin calls first. */
  notControllerAnswers = 0;

  static async start(nodeIds: number[]): Promise<FakeCluster> {
    const c = new FakeCluster();
    for (const id of nodeIds) await c.startBroker(id);
    return c;
  }

  get bootstrap(): string[] {
    return [...this.servers.values()].map((s) => `127.0.0.1:${s.port}`);
  }

  async startBroker(nodeId: number, port = 0): Promise<void> {
    const server = new grpc.Server();
    const { Broker, BrokerAdmin } = services();
    server.addService(Broker.service, this.brokerHandlers(nodeId));
    server.addService(BrokerAdmin.service, this.adminHandlers());
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.servers.set(nodeId, { server, port: bound });
  }

  /** Kills a broker's server at once (every stream breaks); its port is kept for a restart. */
  stopBroker(nodeId: number): number {
    const s = this.servers.get(nodeId)!;
    s.server.forceShutdown();
    this.servers.delete(nodeId);
    return s.port;
  }

  async stop(): Promise<void> {
    for (const id of [...this.servers.keys()]) this.stopBroker(id);
  }

  createTopic(name: string, partitions: number, leaders: number[] = [...this.servers.keys()]): void {
    const ids = [...this.servers.keys()];
    this.topics.set(
      name,
      Array.from({ length: partitions }, (_, p) => ({ leader: leaders[p % leaders.length]!, leaderEpoch: 0, replicas: ids, batches: [], logStartOffset: 0, logEndOffset: 0 })),
    );
  }

  moveLeader(topic: string, partition: number, leader: number): void {
    const p = this.topics.get(topic)![partition]!;
    p.leader = leader;
    p.leaderEpoch++;
  }

  partition(topic: string, partition: number): FakePartition {
    return this.topics.get(topic)![partition]!;
  }

  /** Deletes the log below `offset` (retention), so older fetch positions fall out of range. */
  truncateBefore(topic: string, partition: number, offset: number): void {
    const p = this.partition(topic, partition);
    p.batches = p.batches.filter((b) => b.lastOffset >= offset);
    p.logStartOffset = offset;
  }

  private takeInjected(api: InjectedError["api"], topic: string, partition: number): number {
    const i = this.injected.findIndex((e) => e.api === api && e.topic === topic && e.partition === partition);
    if (i < 0) return 0;
    const e = this.injected[i]!;
    e.times = (e.times ?? 1) - 1;
    if (e.times <= 0) this.injected.splice(i, 1);
    return e.errorCode;
  }

  private metadata(topicsAsked: string[]) {
    const names = topicsAsked.length > 0 ? topicsAsked : [...this.topics.keys()];
    return {
      brokers: [...this.servers].map(([nodeId, s]) => ({ nodeId, host: "127.0.0.1", port: s.port, rack: "" })),
      clusterId: "fake-cluster",
      controllerId: 1,
      metadataOffset: 1,
      topics: names.map((name) => {
        const parts = this.topics.get(name);
        if (!parts) return { errorCode: 3, errorName: "UNKNOWN_TOPIC_OR_PARTITION", name, topicId: "", partitions: [], configs: {} };
        return {
          errorCode: 0,
          errorName: "NONE",
          name,
          topicId: `id-${name}`,
          configs: {},
          partitions: parts.map((p, i) => ({ errorCode: 0, errorName: "NONE", partitionIndex: i, leaderId: p.leader, leaderEpoch: p.leaderEpoch, replicaNodes: p.replicas, isrNodes: p.replicas, offlineReplicas: [] })),
        };
      }),
    };
  }

  private produce(nodeId: number, req: ProduceRequestWire) {
    this.produceLog.push({ nodeId, request: req });
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((pd) => {
        const p = this.topics.get(t.name)?.[pd.index];
        const answer = (errorCode: number, baseOffset = -1) => ({ index: pd.index, errorCode, errorName: "", errorMessage: "", baseOffset, logAppendTimeMs: -1, logStartOffset: p?.logStartOffset ?? -1 });
        if (!p) return answer(3);
        if (p.leader !== nodeId) return answer(6);
        const injected = this.takeInjected("produce", t.name, pd.index);
        if (injected !== 0) return answer(injected);
        const baseOffset = p.logEndOffset;
        for (const { pos, header } of batchesIn(pd.records)) {
          validateBatch(pd.records, pos);
          const bytes = Buffer.from(pd.records.subarray(pos, pos + header.sizeInBytes));
          setBaseOffset(bytes, 0, p.logEndOffset);
          p.batches.push({ baseOffset: p.logEndOffset, lastOffset: p.logEndOffset + header.lastOffsetDelta, maxTimestamp: header.maxTimestamp, bytes });
          p.logEndOffset += header.lastOffsetDelta + 1;
        }
        return answer(0, baseOffset);
      }),
    }));
    for (const w of [...this.waiters]) w();
    return { correlationId: req.correlationId, topics };
  }

  private fetchNow(nodeId: number, req: FetchRequestWire): { res: unknown; bytes: number } {
    let bytes = 0;
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((fp) => {
        const p = this.topics.get(t.name)?.[fp.index];
        const answer = (errorCode: number, records = Buffer.alloc(0)) => ({
          index: fp.index, errorCode, errorName: "", errorMessage: "", highWatermark: p?.logEndOffset ?? -1, lastStableOffset: p?.logEndOffset ?? -1,
          logStartOffset: p?.logStartOffset ?? -1, divergingEpoch: null, currentLeader: p && this.leaderHints ? { leaderId: p.leader, leaderEpoch: p.leaderEpoch } : null, records, logEndOffset: p?.logEndOffset ?? -1,
        });
        if (!p) return answer(3);
        if (p.leader !== nodeId) return answer(6);
        if (fp.currentLeaderEpoch >= 0 && fp.currentLeaderEpoch < p.leaderEpoch) return answer(74);
        const injected = this.takeInjected("fetch", t.name, fp.index);
        if (injected !== 0) return answer(injected);
        const offset = Number(fp.fetchOffset);
        if (offset < p.logStartOffset || offset > p.logEndOffset) return answer(1);
        const chosen: Buffer[] = [];
        let size = 0;
        for (const b of p.batches) {
          if (b.lastOffset < offset) continue;
          if (size > 0 && size + b.bytes.length > fp.partitionMaxBytes) break;
          chosen.push(b.bytes);
          size += b.bytes.length;
        }
        bytes += size;
        return answer(0, Buffer.concat(chosen));
      }),
    }));
    return { res: { correlationId: req.correlationId, errorCode: 0, errorMessage: "", topics }, bytes };
  }

  /** Long-poll: answer at once when there is data (or an error), else on the next append or after maxWaitMs. */
  private fetch(nodeId: number, req: FetchRequestWire, reply: (res: unknown) => void): void {
    const first = this.fetchNow(nodeId, req);
    if (first.bytes >= Math.max(1, req.minBytes) || req.maxWaitMs <= 0) return reply(first.res);
    const waiter = () => {
      const again = this.fetchNow(nodeId, req);
      if (again.bytes === 0) return;
      this.waiters.delete(waiter);
      clearTimeout(timer);
      reply(again.res);
    };
    const timer = setTimeout(() => {
      this.waiters.delete(waiter);
      reply(this.fetchNow(nodeId, req).res);
    }, req.maxWaitMs);
    this.waiters.add(waiter);
  }

  private listOffsets(nodeId: number, req: ListOffsetsRequestWire) {
    return {
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((lp) => {
          const p = this.topics.get(t.name)?.[lp.index];
          const answer = (errorCode: number, offset = -1) => ({ index: lp.index, errorCode, errorName: "", errorMessage: "", offset, timestamp: -1, leaderEpoch: p?.leaderEpoch ?? -1 });
          if (!p) return answer(3);
          if (p.leader !== nodeId) return answer(6);
          const injected = this.takeInjected("listOffsets", t.name, lp.index);
          if (injected !== 0) return answer(injected);
          const ts = Number(lp.timestamp);
          if (ts === -2) return answer(0, p.logStartOffset);
          if (ts === -1) return answer(0, p.logEndOffset);
          return answer(0, p.batches.find((b) => b.maxTimestamp >= ts)?.baseOffset ?? -1);
        }),
      })),
    };
  }

  private brokerHandlers(nodeId: number): grpc.UntypedServiceImplementation {
    return {
      Metadata: (call: grpc.ServerUnaryCall<{ topics: string[] }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        this.metadataCalls++;
        cb(null, this.metadata(call.request.topics));
      },
      ListOffsets: (call: grpc.ServerUnaryCall<ListOffsetsRequestWire, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(null, this.listOffsets(nodeId, call.request)),
      InitProducerId: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) =>
        cb(null, { errorCode: 0, errorName: "NONE", errorMessage: "", producerId: String(this.nextProducerId++), producerEpoch: 0 }),
      Produce: (call: grpc.ServerDuplexStream<ProduceRequestWire, unknown>) => {
        call.on("data", (req: ProduceRequestWire) => {
          if (this.silentBrokers.has(nodeId)) return;
          const res = this.produce(nodeId, req);
          if (req.acks !== 0) call.write(res);
        });
        call.on("end", () => call.end());
        call.on("error", () => undefined);
      },
      Fetch: (call: grpc.ServerDuplexStream<FetchRequestWire, unknown>) => {
        call.on("data", (req: FetchRequestWire) => this.fetch(nodeId, req, (res) => call.write(res)));
        call.on("end", () => call.end());
        call.on("error", () => undefined);
      },
    };
  }

  private adminHandlers(): grpc.UntypedServiceImplementation {
    const unary = <Req,>(method: string, answer: (req: Req) => unknown) => (call: grpc.ServerUnaryCall<Req, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      this.adminCalls.push({ method, request: call.request });
      if (this.notControllerAnswers > 0) {
        this.notControllerAnswers--;
        return cb(null, { errorCode: 41, errorMessage: "not the active controller", leaderEndpoint: "" });
      }
      cb(null, answer(call.request));
    };
    return {
      CreateTopics: unary("CreateTopics", (req: { topics: Array<{ name: string; numPartitions: number }> }) => ({
        errorCode: 0,
        errorMessage: "",
        topics: req.topics.map((t) => {
          if (this.topics.has(t.name)) return { name: t.name, topicId: "", errorCode: 36, errorName: "TOPIC_ALREADY_EXISTS", errorMessage: `Topic '${t.name}' already exists.`, numPartitions: 0, replicationFactor: 0 };
          this.createTopic(t.name, t.numPartitions > 0 ? t.numPartitions : 1);
          return { name: t.name, topicId: `id-${t.name}`, errorCode: 0, errorName: "NONE", errorMessage: "", numPartitions: t.numPartitions, replicationFactor: 1 };
        }),
      })),
      DeleteTopics: unary("DeleteTopics", (req: { names: string[] }) => ({
        errorCode: 0,
        errorMessage: "",
        topics: req.names.map((name) => (this.topics.delete(name) ? { name, errorCode: 0 } : { name, errorCode: 3, errorName: "UNKNOWN_TOPIC_OR_PARTITION", errorMessage: "" })),
      })),
      CreatePartitions: unary("CreatePartitions", () => ({ errorCode: 0, errorMessage: "", topics: [] })),
      IncrementalAlterConfigs: unary("IncrementalAlterConfigs", () => ({ errorCode: 0, errorMessage: "", resources: [] })),
      ElectLeaders: unary("ElectLeaders", () => ({ errorCode: 0, errorMessage: "", partitions: [] })),
      DescribeQuorum: unary("DescribeQuorum", () => ({ errorCode: 0, errorMessage: "", clusterId: "fake-cluster", leaderId: 1, leaderEpoch: 3, highWatermark: 10, currentVoters: [], currentObservers: [] })),
    };
  }
}
