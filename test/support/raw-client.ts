// A deliberately small client for multi-process tests, straight on the broker API (broker.proto):
// metadata, produce to the partition leader, read a partition below its high watermark, list
// offsets, and admin calls through any broker. Tests use it to assert through the network only.
// (The full client library lives in packages/client.)

import { decodeRecords, encodeRecordBatch, newBrokerAdminClient, newBrokerClient, type BrokerClient } from "@replog/protocol";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- broker.proto messages
type Wire = any;

const unary = (client: Wire, method: string, req: Wire, timeoutMs = 10_000): Promise<Wire> =>
  new Promise((resolve, reject) => client[method](req, { deadline: Date.now() + timeoutMs }, (e: Error | null, r: Wire) => (e ? reject(e) : resolve(r))));

export class RawClient {
  private readonly clients = new Map<string, BrokerClient>();

  constructor(private readonly bootstrap: readonly string[]) {}

  close(): void {
    for (const c of this.clients.values()) c.close();
  }

  private client(address: string): BrokerClient {
    let c = this.clients.get(address);
    if (!c) {
      c = newBrokerClient(address);
      this.clients.set(address, c);
    }
    return c;
  }

  /** Metadata from whichever bootstrap broker answers first (a dead one must not cost a deadline). */
  async metadata(topics: string[] = []): Promise<Wire> {
    return Promise.any(this.bootstrap.map((address) => unary(this.client(address), "Metadata", { topics }, 3_000)));
  }

  async partition(topic: string, index: number): Promise<{ leader: number; isr: number[]; replicas: number[]; leaderEpoch: number; address?: string }> {
    const md = await this.metadata([topic]);
    const p = md.topics[0]?.partitions.find((x: Wire) => x.partitionIndex === index);
    if (!p) throw new Error(`no ${topic}-${index} in metadata`);
    const b = md.brokers.find((x: Wire) => x.nodeId === p.leaderId);
    return { leader: p.leaderId, isr: [...p.isrNodes].sort(), replicas: p.replicaNodes, leaderEpoch: p.leaderEpoch, address: b ? `${b.host}:${b.port}` : undefined };
  }

  /** An admin call through the first bootstrap broker that answers (a paused one times out quickly). */
  async admin(method: string, request: Wire): Promise<Wire> {
    let last: unknown;
    for (const address of this.bootstrap) {
      const c = newBrokerAdminClient(address);
      try {
        return await unary(c, method, request, 4_000);
      } catch (e) {
        last = e;
      } finally {
        c.close();
      }
    }
    throw last;
  }

  async createTopic(name: string, partitions: number, replicationFactor: number, configs: Record<string, string> = {}): Promise<void> {
    const res = await this.admin("CreateTopics", { topics: [{ name, numPartitions: partitions, replicationFactor, assignments: [], configs }] });
    const t = res.topics?.[0];
    if (res.errorCode !== 0 || t?.errorCode !== 0) throw new Error(`create ${name}: ${res.errorMessage || t?.errorMessage}`);
  }

  /** An idempotent producer id from any bootstrap broker (InitProducerId). */
  async initProducerId(): Promise<{ producerId: bigint; producerEpoch: number }> {
    const res = await Promise.any(this.bootstrap.map((address) => unary(this.client(address), "InitProducerId", { transactionalId: "" }, 5_000)));
    if (res.errorCode !== 0) throw new Error(`InitProducerId: ${res.errorName}: ${res.errorMessage}`);
    return { producerId: BigInt(res.producerId), producerEpoch: res.producerEpoch };
  }

  /**
   * Produces one batch of `values` to the partition's current leader; returns the outcome. With
   * `idempotence`, the batch carries that producer id, epoch and base sequence (Kafka KIP-98).
   */
  async produce(
    topic: string,
    index: number,
    values: string[],
    acks: number,
    timeoutMs = 5_000,
    idempotence?: { producerId: bigint; producerEpoch: number; baseSequence: number },
  ): Promise<{ error: string; baseOffset: number; leader: number }> {
    let found: Awaited<ReturnType<RawClient["partition"]>>;
    try {
      found = await this.partition(topic, index);
    } catch {
      // Not in this broker's metadata yet (it has not applied the topic) or no broker answered.
      return { error: "UNKNOWN_TOPIC_OR_PARTITION", baseOffset: -1, leader: -1 };
    }
    const { leader, address } = found;
    if (!address) return { error: "LEADER_NOT_AVAILABLE", baseOffset: -1, leader };
    const stream = this.client(address).Produce();
    try {
      const records = encodeRecordBatch({ records: values.map((v) => ({ value: Buffer.from(v) })), ...idempotence });
      const answer = new Promise<Wire>((resolve, reject) => {
        stream.on("data", resolve);
        stream.on("error", reject);
        setTimeout(() => reject(new Error("REQUEST_TIMED_OUT (no produce answer)")), timeoutMs + 5_000);
      });
      stream.write({ correlationId: "1", acks, timeoutMs, topics: [{ name: topic, partitions: [{ index, records }] }] });
      if (acks === 0) return { error: "NONE", baseOffset: -1, leader };
      const res = await answer;
      const p = res.topics[0].partitions[0];
      return { error: p.errorCode === 0 ? "NONE" : p.errorName, baseOffset: Number(p.baseOffset), leader };
    } catch (e) {
      return { error: (e as Error).message.includes("REQUEST_TIMED_OUT") ? "REQUEST_TIMED_OUT" : "NETWORK_EXCEPTION", baseOffset: -1, leader };
    } finally {
      stream.end();
    }
  }

  /** Produces, retrying retriable errors (a leader that has not applied its metadata yet, a failover) until the deadline. */
  async produceRetrying(topic: string, index: number, values: string[], acks: number, deadlineMs = 15_000): Promise<{ error: string; baseOffset: number; leader: number }> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      const r = await this.produce(topic, index, values, acks);
      const retriable = ["NOT_LEADER_OR_FOLLOWER", "LEADER_NOT_AVAILABLE", "UNKNOWN_TOPIC_OR_PARTITION", "NETWORK_EXCEPTION", "FENCED_LEADER_EPOCH"].includes(r.error);
      if (!retriable || Date.now() > until) return r;
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  /** Offsets as ListOffsets answers them on the leader: -2 earliest, -1 latest (the HW). */
  async offset(topic: string, index: number, timestamp: -1 | -2): Promise<number> {
    return retrying(() => this.offsetOnce(topic, index, timestamp));
  }

  private async offsetOnce(topic: string, index: number, timestamp: -1 | -2): Promise<number> {
    const { address } = await this.partition(topic, index);
    const res = await unary(this.client(address!), "ListOffsets", { replicaId: -1, topics: [{ name: topic, partitions: [{ index, currentLeaderEpoch: -1, timestamp: String(timestamp) }] }] });
    const p = res.topics[0].partitions[0];
    if (p.errorCode !== 0) throw new Error(`ListOffsets ${topic}-${index}: ${p.errorName}`);
    return Number(p.offset);
  }

  /**
   * Every record value below the high watermark, read from the leader from offset `from`. Retries
   * for a while on errors (a leader that just moved, a channel still reconnecting), as a client does.
   */
  async readAll(topic: string, index: number, from = 0): Promise<Array<{ offset: number; value: string }>> {
    return retrying(() => this.readAllOnce(topic, index, from));
  }

  private async readAllOnce(topic: string, index: number, from: number): Promise<Array<{ offset: number; value: string }>> {
    const { address } = await this.partition(topic, index);
    const stream = this.client(address!).Fetch();
    const out: Array<{ offset: number; value: string }> = [];
    try {
      let offset = from;
      let id = 0;
      for (;;) {
        const res: Wire = await new Promise((resolve, reject) => {
          // Streams have no per-message deadline: a stuck attempt fails here and is retried.
          const timer = setTimeout(() => reject(new Error("no fetch answer within 10 s")), 10_000);
          stream.once("data", (r) => {
            clearTimeout(timer);
            resolve(r);
          });
          stream.once("error", (e) => {
            clearTimeout(timer);
            reject(e);
          });
          stream.write({ correlationId: String(++id), replicaId: -1, replicaEpoch: "-1", maxWaitMs: 0, minBytes: 0, maxBytes: 4 << 20, topics: [{ name: topic, partitions: [{ index, currentLeaderEpoch: -1, fetchOffset: String(offset), lastFetchedEpoch: -1, logStartOffset: "0", partitionMaxBytes: 1 << 20 }] }] });
        });
        const p = res.topics[0].partitions[0];
        if (p.errorCode !== 0) throw new Error(`fetch ${topic}-${index}@${offset}: ${p.errorName}`);
        const records: Buffer = p.records;
        if (records.length === 0) return out;
        let pos = 0;
        while (pos < records.length) {
          const size = records.readInt32BE(pos + 8) + 12;
          for (const r of decodeRecords(records.subarray(pos, pos + size))) {
            if (r.offset >= offset) out.push({ offset: r.offset, value: r.value?.toString() ?? "" });
          }
          pos += size;
        }
        offset = out.length > 0 ? out[out.length - 1]!.offset + 1 : offset;
        if (offset >= Number(p.highWatermark)) return out;
      }
    } finally {
      stream.cancel();
    }
  }
}

async function retrying<T>(work: () => Promise<T>, attempts = 40): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (e) {
      if (i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
