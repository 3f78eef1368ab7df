// Followers' side of replication (Kafka ReplicaFetcherThread): one fetcher per leader broker, with
// one long-lived Fetch stream to it. Each round asks for every partition this broker follows on
// that leader (at the log end, with the last fetched epoch and the current leader epoch), waits
// for the answer (the leader long-polls up to replica.fetch.wait.max.ms), and hands each
// partition's part to its Partition, which appends, truncates or backs off as the core decides.

import type { Logger, NodeId } from "@replog/common";
import { newBrokerClient, type BrokerClient } from "@replog/protocol";
import type { FollowerFetch } from "../../core/index.js";
import type { Partition } from "./partition.js";

export interface FetcherOptions {
  readonly brokerId: NodeId;
  readonly brokerEpoch: () => bigint;
  readonly fetchWaitMaxMs: number;
  readonly fetchMinBytes: number;
  readonly fetchMaxBytes: number;
  readonly responseMaxBytes: number;
  readonly backoffMs: number;
  readonly socketTimeoutMs: number;
  readonly logger: Logger;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- broker.proto messages
type Wire = any;

export class ReplicaFetcher {
  private partitions: Partition[] = [];
  private client: BrokerClient;
  private stream: ReturnType<BrokerClient["Fetch"]> | undefined;
  private pending = new Map<string, (res: Wire | Error) => void>();
  private nextId = 1;
  private running = false;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly leaderId: number,
    readonly address: string,
    private readonly o: FetcherOptions,
  ) {
    this.client = newBrokerClient(address);
  }

  setPartitions(partitions: Partition[]): void {
    this.partitions = partitions;
    this.wake?.();
    if (!this.running) void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
    this.stream?.end();
    this.client.close();
    for (const done of this.pending.values()) done(new Error("fetcher stopped"));
  }

  private async run(): Promise<void> {
    this.running = true;
    while (!this.stopped) {
      const built = await Promise.all(this.partitions.map(async (p) => ({ p, fetch: await p.buildFollowerFetch() })));
      const fetches = built.filter((x): x is { p: Partition; fetch: FollowerFetch } => x.fetch !== undefined);
      if (fetches.length === 0) {
        await this.sleep(this.o.backoffMs);
        continue;
      }
      let response: Wire;
      try {
        response = await this.send(fetches);
      } catch (e) {
        this.o.logger.debug({ leader: this.leaderId, err: (e as Error).message }, "fetch from leader failed; backing off");
        await this.sleep(this.o.backoffMs);
        continue;
      }
      let backoff = response.errorCode !== 0;
      const byKey = new Map<string, Wire>();
      for (const t of response.topics ?? []) for (const part of t.partitions ?? []) byKey.set(`${t.name}-${part.index}`, part);
      for (const { p, fetch } of fetches) {
        const part = byKey.get(p.name);
        if (!part) continue;
        const errorName: string = part.errorCode === 0 ? "NONE" : part.errorName;
        const outcome = await p.handleLeaderResponse(fetch, {
          error: errorName as never,
          highWatermark: Number(part.highWatermark) as never,
          logStartOffset: Number(part.logStartOffset) as never,
          divergingEpoch: part.divergingEpoch ? ({ epoch: part.divergingEpoch.epoch, endOffset: Number(part.divergingEpoch.endOffset) } as never) : undefined,
          records: part.records ?? Buffer.alloc(0),
          leaderLogEndOffset: Number(part.logEndOffset),
        }).catch((e: Error) => {
          this.o.logger.warn({ partition: p.name, err: e.message }, "could not apply the leader's data");
          return "backoff" as const;
        });
        if (outcome !== "ok") backoff = true;
      }
      if (backoff) await this.sleep(this.o.backoffMs);
    }
    this.running = false;
  }

  private send(fetches: Array<{ p: Partition; fetch: FollowerFetch }>): Promise<Wire> {
    const byTopic = new Map<string, Wire[]>();
    for (const { p, fetch } of fetches) {
      const list = byTopic.get(p.topic) ?? [];
      list.push({ index: p.index, currentLeaderEpoch: fetch.currentLeaderEpoch, fetchOffset: String(fetch.fetchOffset), lastFetchedEpoch: fetch.lastFetchedEpoch, logStartOffset: String(fetch.logStartOffset), partitionMaxBytes: this.o.fetchMaxBytes });
      byTopic.set(p.topic, list);
    }
    const correlationId = String(this.nextId++);
    const request = {
      correlationId,
      replicaId: this.o.brokerId,
      replicaEpoch: String(this.o.brokerEpoch()),
      maxWaitMs: this.o.fetchWaitMaxMs,
      minBytes: this.o.fetchMinBytes,
      maxBytes: this.o.responseMaxBytes,
      isolationLevel: 0,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      clientId: `replica-fetcher-${this.o.brokerId}`,
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        this.resetStream();
        reject(new Error(`no fetch answer from broker ${this.leaderId} within ${this.o.socketTimeoutMs} ms`));
      }, this.o.socketTimeoutMs);
      this.pending.set(correlationId, (res) => {
        clearTimeout(timer);
        this.pending.delete(correlationId);
        if (res instanceof Error) reject(res);
        else resolve(res);
      });
      this.openStream().write(request);
    });
  }

  private openStream(): ReturnType<BrokerClient["Fetch"]> {
    if (this.stream) return this.stream;
    const stream = this.client.Fetch();
    stream.on("data", (res: Wire) => this.pending.get(String(res.correlationId))?.(res));
    const fail = (e: Error) => {
      if (this.stream === stream) this.stream = undefined;
      for (const done of [...this.pending.values()]) done(e);
    };
    stream.on("error", fail);
    stream.on("end", () => fail(new Error("fetch stream ended")));
    this.stream = stream;
    return stream;
  }

  private resetStream(): void {
    const s = this.stream;
    this.stream = undefined;
    s?.cancel();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** Keeps one fetcher per leader broker for the partitions this broker follows. */
export class FetcherManager {
  private readonly fetchers = new Map<number, ReplicaFetcher>();

  constructor(
    private readonly o: FetcherOptions,
    private readonly addressOf: (brokerId: number) => string | undefined,
  ) {}

  update(partitions: Iterable<Partition>): void {
    const byLeader = new Map<number, Partition[]>();
    for (const p of partitions) {
      const f = p.followerCore;
      if (!f) continue;
      const list = byLeader.get(f.leaderId) ?? [];
      list.push(p);
      byLeader.set(f.leaderId, list);
    }
    for (const [leader, fetcher] of this.fetchers) {
      if (!byLeader.has(leader) || this.addressOf(leader) !== fetcher.address) {
        fetcher.stop();
        this.fetchers.delete(leader);
      }
    }
    for (const [leader, list] of byLeader) {
      let fetcher = this.fetchers.get(leader);
      if (!fetcher) {
        const address = this.addressOf(leader);
        if (!address) continue;
        fetcher = new ReplicaFetcher(leader, address, this.o);
        this.fetchers.set(leader, fetcher);
      }
      fetcher.setPartitions(list);
    }
  }

  stop(): void {
    for (const f of this.fetchers.values()) f.stop();
    this.fetchers.clear();
  }
}
