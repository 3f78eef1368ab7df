// One partition replica on this broker: its on-disk log (@replog/storage) and, depending on the
// metadata, the pure core that decides for it — a PartitionLeader or a PartitionFollower. Every
// operation that touches the log runs on the partition's own queue, so an append, a truncation and
// a role change never interleave (the core's steps stay atomic, STYLE habit 1).
//
// Called by the replica manager (role changes, timers), the broker API (produce and fetch) and the
// replica fetcher (follower appends). Wakes long-polling fetches when data or the HW moves.

import type { BrokerEpoch, Clock, LeaderEpoch, Logger, NodeId, Offset, PartitionEpoch } from "@replog/common";
import { batchesIn, type BatchHeader } from "@replog/protocol";
import type { Log } from "@replog/storage";
import {
  DelayedProduceQueue,
  PartitionFollower,
  PartitionLeader,
  ProducerStateTable,
  isrExpirationIntervalMs,
  type AlterPartitionReason,
  type AlterPartitionRequest,
  type AlterPartitionResponse,
  type BrokerStatusView,
  type FollowerFetch,
  type LeaderAndIsr,
  type LeaderFetchResponse,
  type PartitionLogView,
} from "../../core/index.js";
import { NO_ERROR, errorFields, errorFieldsOf, type ErrorFields } from "./partition-errors.js";
import { logView } from "./storage-log-view.js";

export interface PartitionEnv {
  readonly brokerId: NodeId;
  brokerEpoch(): BrokerEpoch;
  readonly brokers: BrokerStatusView;
  readonly replicaLagTimeMaxMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Sends an ISR change to the controller; the answer comes back through onAlterPartitionResponse. */
  sendAlterPartition(partition: Partition, request: AlterPartitionRequest): void;
  /** An ISR change this leader proposed has committed (for metrics). */
  onIsrChange?(kind: "shrink" | "expand", partition: Partition): void;
}

export interface ProduceOutcome extends ErrorFields {
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  /** Seconds spent appending to the local log, and waiting for the ISR (acks=all only). */
  localAppendSeconds?: number;
  replicaWaitSeconds?: number;
}

export interface ReadOutcome extends ErrorFields {
  records: Buffer;
  highWatermark: number;
  logStartOffset: number;
  logEndOffset: number;
  divergingEpoch?: { epoch: number; endOffset: number };
  currentLeader?: { leaderId: number; leaderEpoch: number };
}

type Role =
  | { kind: "none" }
  | { kind: "leader"; core: PartitionLeader; delayed: DelayedProduceQueue<(e: ErrorFields) => void> }
  | { kind: "follower"; core: PartitionFollower };

export class Partition {
  readonly view: PartitionLogView;
  private role: Role = { kind: "none" };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly dataWaiters = new Set<() => void>();
  private lastShrinkCheckMs = 0;
  /** Idempotent producers' sequences; loaded from the log first thing (loadProducerState). */
  private readonly producers = new ProducerStateTable();
  /** What the metadata says, for NOT_LEADER_OR_FOLLOWER answers that name the leader. */
  leaderId = -1;
  leaderEpoch = -1;
  partitionEpoch = -1;
  minInsyncReplicas = 1;
  replicaCount = 0;

  constructor(
    readonly topic: string,
    readonly topicId: string,
    readonly index: number,
    readonly log: Log,
    private readonly env: PartitionEnv,
    private checkpointedHighWatermark: number,
  ) {
    this.view = logView(log);
  }

  get name(): string {
    return `${this.topic}-${this.index}`;
  }

  get isLeader(): boolean {
    return this.role.kind === "leader";
  }

  get highWatermark(): number {
    if (this.role.kind === "leader") return this.role.core.state.highWatermark;
    if (this.role.kind === "follower") return this.role.core.highWatermark;
    return this.checkpointedHighWatermark;
  }

  get leaderCore(): PartitionLeader | undefined {
    return this.role.kind === "leader" ? this.role.core : undefined;
  }

  get followerCore(): PartitionFollower | undefined {
    return this.role.kind === "follower" ? this.role.core : undefined;
  }

  /** Runs `work` after every earlier operation on this partition. */
  serial<T>(work: () => Promise<T> | T): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Rebuilds the idempotent producers' state from the batch headers of the whole log, before any
   * other operation on the partition (the replica manager calls it on creation). Kafka reads its
   * producer-state snapshots instead; replog has none yet, so a start reads the log once.
   */
  loadProducerState(): Promise<void> {
    return this.serial(async () => {
      let next = this.log.logStartOffset;
      while (next < this.log.logEndOffset) {
        const { records, nextOffset } = await this.log.read(next, 1 << 20, { minOneBatch: true });
        for (const { header } of batchesIn(records)) this.producers.onAppended(header, header.baseOffset, header.lastOffset);
        if (nextOffset <= next) break;
        next = nextOffset;
      }
      if (this.producers.size > 0) this.env.logger.info({ partition: this.name, producers: this.producers.size }, `loaded the state of ${this.producers.size} idempotent producer(s) for ${this.name}`);
    });
  }

  // --- role changes (from the metadata log) ----------------------------------------------------

  applyLeaderAndIsr(state: LeaderAndIsr, minInsyncReplicas: number): Promise<void> {
    return this.serial(async () => {
      this.leaderId = state.leader;
      this.minInsyncReplicas = minInsyncReplicas;
      this.replicaCount = state.replicas.length;
      this.leaderEpoch = state.leaderEpoch;
      this.partitionEpoch = state.partitionEpoch;
      const now = this.env.clock.nowMs();
      if (state.leader === this.env.brokerId) await this.makeLeader(state, minInsyncReplicas, now);
      else if (state.leader >= 0 && state.replicas.includes(this.env.brokerId)) await this.makeFollower(state);
      else this.stopServing("no leader for this partition");
    });
  }

  private async makeLeader(state: LeaderAndIsr, minInsyncReplicas: number, now: number): Promise<void> {
    if (this.role.kind === "leader") {
      this.role.core.updateMinInsyncReplicas(minInsyncReplicas);
      const result = this.role.core.onPartitionChangeCommitted(state, this.view, now);
      if (result.assignEpochStartOffset) await this.log.assignEpochStartOffset(result.assignEpochStartOffset.epoch, result.assignEpochStartOffset.startOffset);
      if (result.highWatermarkChanged) this.onHighWatermarkMoved();
      return;
    }
    const hw = this.highWatermark;
    this.failWaitingProduces("NOT_LEADER_OR_FOLLOWER");
    const { leader, result } = PartitionLeader.becomeLeader({
      config: { localBrokerId: this.env.brokerId, localBrokerEpoch: this.env.brokerEpoch(), replicaLagTimeMaxMs: this.env.replicaLagTimeMaxMs, minInsyncReplicas },
      brokers: this.env.brokers,
      leaderAndIsr: state,
      log: this.view,
      highWatermark: hw as Offset,
      nowMs: now,
    });
    if (result.assignEpochStartOffset) await this.log.assignEpochStartOffset(result.assignEpochStartOffset.epoch, result.assignEpochStartOffset.startOffset);
    this.role = { kind: "leader", core: leader, delayed: new DelayedProduceQueue() };
    this.env.logger.info({ partition: this.name, leaderEpoch: state.leaderEpoch, isr: state.isr, highWatermark: leader.state.highWatermark, logEndOffset: this.log.logEndOffset }, `became leader for ${this.name} at epoch ${state.leaderEpoch} with ISR [${state.isr.join(",")}]`);
    this.wakeFetchers();
  }

  private async makeFollower(state: LeaderAndIsr): Promise<void> {
    if (this.role.kind === "follower" && this.role.core.leaderId === state.leader && this.role.core.leaderEpoch === state.leaderEpoch) return;
    const hw = this.highWatermark;
    this.failWaitingProduces("NOT_LEADER_OR_FOLLOWER");
    const { follower, truncateTo } = PartitionFollower.becomeFollower({
      localBrokerId: this.env.brokerId,
      leaderId: state.leader,
      leaderEpoch: state.leaderEpoch as LeaderEpoch,
      log: this.view,
      highWatermark: hw as Offset,
    });
    if (truncateTo !== undefined) {
      await this.log.truncateTo(truncateTo);
      this.producers.truncateFrom(truncateTo);
      follower.onTruncated(this.view);
    }
    this.role = { kind: "follower", core: follower };
    this.env.logger.info({ partition: this.name, leader: state.leader, leaderEpoch: state.leaderEpoch, logEndOffset: this.log.logEndOffset }, `following broker ${state.leader} for ${this.name} at epoch ${state.leaderEpoch}`);
    this.wakeFetchers();
  }

  stopServing(reason: string): void {
    if (this.role.kind === "none") return;
    this.failWaitingProduces("NOT_LEADER_OR_FOLLOWER");
    this.checkpointedHighWatermark = this.highWatermark;
    this.role = { kind: "none" };
    this.env.logger.info({ partition: this.name, reason }, `stopped serving ${this.name}`);
    this.wakeFetchers();
  }

  // --- produce (leader) ------------------------------------------------------------------------

  /**
   * Appends on the partition's queue; an acks=all produce then waits for the ISR OUTSIDE the queue,
   * so fetches, ISR changes and other produces go on meanwhile (Kafka's delayed produce purgatory).
   */
  async produce(records: Buffer, acks: number, timeoutMs: number): Promise<ProduceOutcome> {
    const start = this.env.clock.nowMs();
    const appended = await this.serial(() => this.appendAsLeader(records, acks, timeoutMs));
    const appendedAt = this.env.clock.nowMs();
    if ("outcome" in appended) return { ...appended.outcome, localAppendSeconds: (appendedAt - start) / 1000 };
    const error = await appended.waitForReplicas;
    return { ...appended.result, ...error, localAppendSeconds: (appendedAt - start) / 1000, replicaWaitSeconds: (this.env.clock.nowMs() - appendedAt) / 1000 };
  }

  private async appendAsLeader(
    records: Buffer,
    acks: number,
    timeoutMs: number,
  ): Promise<{ outcome: ProduceOutcome } | { result: ProduceOutcome; waitForReplicas: Promise<ErrorFields> }> {
    const none = { baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
    if (this.role.kind !== "leader") return { outcome: { ...none, ...errorFields("NOT_LEADER_OR_FOLLOWER", `broker ${this.env.brokerId} is not the leader of ${this.name} (leader ${this.leaderId})`) } };
    const role = this.role;
    const check = role.core.checkProduce(acks);
    if (check !== "NONE") {
      const why = check === "NOT_ENOUGH_REPLICAS" ? `ISR [${role.core.state.isr.join(",")}] is below min.insync.replicas` : `acks=${acks} is not 0, 1 or -1`;
      return { outcome: { ...none, ...errorFields(check, why) } };
    }
    if (acks === -1 && !role.delayed.hasRoom()) return { outcome: { ...none, ...errorFields("REQUEST_TIMED_OUT", "too many produces waiting for replicas") } };
    const idempotent = this.checkSequence(records);
    if (idempotent.kind === "error") return { outcome: { ...none, ...errorFields(idempotent.error, idempotent.message) } };
    let appended;
    if (idempotent.kind === "duplicate") {
      // A retry of a batch this log already has: answer with its offsets, append nothing, and for
      // acks=all still wait until it is replicated (Kafka does the same).
      appended = { firstOffset: idempotent.firstOffset, lastOffset: idempotent.lastOffset, logAppendTime: -1 };
    } else {
      try {
        appended = await this.log.appendAsLeader(records, role.core.state.leaderEpoch);
      } catch (e) {
        return { outcome: { ...none, ...errorFieldsOf(e) } };
      }
      if (idempotent.header) this.producers.onAppended(idempotent.header, appended.firstOffset, appended.lastOffset);
    }
    const now = this.env.clock.nowMs();
    if (role.core.appendedLocally(this.view, now)) this.onHighWatermarkMoved();
    this.wakeFetchers();
    const result = { baseOffset: appended.firstOffset, logAppendTimeMs: appended.logAppendTime, logStartOffset: this.log.logStartOffset, ...NO_ERROR };
    if (acks !== -1) return { outcome: result };
    const waitForReplicas = new Promise<ErrorFields>((resolve) => {
      role.delayed.add({ key: resolve, requiredOffset: (appended.lastOffset + 1) as Offset, deadlineMs: now + timeoutMs });
    });
    this.completeDelayedProduces();
    return { result, waitForReplicas };
  }

  /**
   * Kafka's idempotence checks for a produce: an idempotent batch must travel alone, and its
   * sequence must follow the producer's last one (or repeat a recent batch exactly). A buffer that
   * does not parse is left for the log's own validation to refuse.
   */
  private checkSequence(records: Buffer):
    | { kind: "append"; header?: BatchHeader }
    | { kind: "duplicate"; firstOffset: number; lastOffset: number }
    | { kind: "error"; error: string; message: string } {
    let headers: BatchHeader[];
    try {
      headers = [...batchesIn(records)].map((b) => b.header);
    } catch {
      return { kind: "append" };
    }
    const idempotent = headers.filter((h) => h.producerId >= 0n);
    if (idempotent.length === 0) return { kind: "append" };
    if (headers.length !== 1) return { kind: "error", error: "INVALID_RECORD", message: `an idempotent produce carries exactly one record batch per partition, not ${headers.length}` };
    const header = headers[0]!;
    const check = this.producers.check(header);
    return check.kind === "append" ? { kind: "append", header } : check;
  }

  // --- fetch (leader serves followers and consumers) ---------------------------------------------

  /** A follower's fetch of this partition, on the leader. */
  async readForFollower(replicaId: number, brokerEpoch: bigint, p: { fetchOffset: number; lastFetchedEpoch: number; currentLeaderEpoch: number; logStartOffset: number; maxBytes: number }): Promise<ReadOutcome> {
    if (this.role.kind !== "leader") return this.notLeader();
    const core = this.role.core;
    const result = core.handleFollowerFetch(
      {
        replicaId: replicaId as NodeId,
        fetchOffset: p.fetchOffset as Offset,
        logStartOffset: p.logStartOffset as Offset,
        lastFetchedEpoch: p.lastFetchedEpoch as LeaderEpoch,
        currentLeaderEpoch: p.currentLeaderEpoch as LeaderEpoch,
        brokerEpoch: brokerEpoch as BrokerEpoch,
      },
      this.view,
      this.env.clock.nowMs(),
    );
    if (result.kind === "error") return this.errorRead(result.error);
    if (result.kind === "diverging") {
      return { ...NO_ERROR, records: Buffer.alloc(0), highWatermark: result.highWatermark, logStartOffset: result.logStartOffset, logEndOffset: this.log.logEndOffset, divergingEpoch: { epoch: result.divergingEpoch.epoch, endOffset: result.divergingEpoch.endOffset } };
    }
    if (result.alterPartition) this.proposeIsrChange(result.alterPartition);
    if (result.highWatermarkChanged) this.onHighWatermarkMoved();
    const records = await this.readRange(result.fetchOffset, result.readUpTo, p.maxBytes);
    return { ...NO_ERROR, records, highWatermark: result.highWatermark, logStartOffset: result.logStartOffset, logEndOffset: this.log.logEndOffset };
  }

  /** A consumer's fetch: below the high watermark only. */
  async readForConsumer(p: { fetchOffset: number; currentLeaderEpoch: number; maxBytes: number }): Promise<ReadOutcome> {
    const core = this.role.kind === "leader" ? this.role.core : undefined;
    if (!core) return this.notLeader();
    const result = core.handleConsumerFetch({ fetchOffset: p.fetchOffset as Offset, currentLeaderEpoch: p.currentLeaderEpoch as LeaderEpoch }, this.view);
    if (result.kind === "error") return this.errorRead(result.error);
    const records = await this.readRange(result.fetchOffset, result.readUpTo, p.maxBytes);
    return { ...NO_ERROR, records, highWatermark: result.highWatermark, logStartOffset: result.logStartOffset, logEndOffset: this.log.logEndOffset };
  }

  private async readRange(from: number, upTo: number, maxBytes: number): Promise<Buffer> {
    if (upTo <= from) return Buffer.alloc(0);
    try {
      return (await this.log.read(from, Math.max(1, maxBytes), { upperBound: upTo, minOneBatch: true })).records;
    } catch {
      return Buffer.alloc(0);
    }
  }

  /** Resolves when data or the HW moves, or the role changes, or after `ms`. */
  waitForData(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.dataWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.dataWaiters.add(done);
    });
  }

  private wakeFetchers(): void {
    for (const w of [...this.dataWaiters]) w();
  }

  private notLeader(): ReadOutcome {
    return {
      ...errorFields("NOT_LEADER_OR_FOLLOWER", `broker ${this.env.brokerId} is not the leader of ${this.name}`),
      records: Buffer.alloc(0),
      highWatermark: -1,
      logStartOffset: -1,
      logEndOffset: -1,
      currentLeader: { leaderId: this.leaderId, leaderEpoch: this.leaderEpoch },
    };
  }

  private errorRead(error: string): ReadOutcome {
    return { ...errorFields(error), records: Buffer.alloc(0), highWatermark: this.highWatermark, logStartOffset: this.log.logStartOffset, logEndOffset: this.log.logEndOffset, currentLeader: { leaderId: this.leaderId, leaderEpoch: this.leaderEpoch } };
  }

  // --- follower side -------------------------------------------------------------------------------

  /** On the partition's queue: the log end and the core's fetch offset must agree when read. */
  buildFollowerFetch(): Promise<FollowerFetch | undefined> {
    return this.serial(() => (this.role.kind === "follower" ? this.role.core.buildFetch(this.view) : undefined));
  }

  /** Applies the leader's answer for this partition (Kafka processPartitionData / truncation). */
  handleLeaderResponse(request: FollowerFetch, response: LeaderFetchResponse & { records: Buffer; leaderLogEndOffset: number }): Promise<"ok" | "backoff" | "await-metadata"> {
    return this.serial(async () => {
      if (this.role.kind !== "follower") return "ok";
      const core = this.role.core;
      let outcome = core.handleFetchResponse(request, response, this.view);
      if (outcome.kind === "resolve-out-of-range") outcome = core.handleOutOfRange(response.leaderLogEndOffset as Offset, response.logStartOffset, this.view);
      switch (outcome.kind) {
        case "append": {
          if (response.records.length > 0) {
            await this.log.appendAsFollower(response.records);
            // The leader's offsets are in the headers; the next leader must know what this one accepted.
            for (const { header } of batchesIn(response.records)) this.producers.onAppended(header, header.baseOffset, header.lastOffset);
          }
          const { raiseLogStartOffsetTo } = core.onAppended(response, this.view);
          if (raiseLogStartOffsetTo !== undefined) {
            await this.log.advanceLogStartOffset(raiseLogStartOffsetTo, core.highWatermark);
            core.onLogStartOffsetRaised(this.view);
          }
          this.wakeFetchers();
          return "ok";
        }
        case "truncate":
          this.env.logger.info({ partition: this.name, truncateTo: outcome.truncateTo, logEndOffset: this.log.logEndOffset, divergingEpoch: response.divergingEpoch }, `truncating ${this.name} to ${outcome.truncateTo}: our log diverges from the leader's (leader epoch)`);
          await this.log.truncateTo(outcome.truncateTo);
          this.producers.truncateFrom(outcome.truncateTo);
          core.onTruncated(this.view);
          return "ok";
        case "truncate-fully":
          await this.log.truncateFullyAndStartAt(outcome.startAt);
          this.producers.clear();
          core.onTruncated(this.view);
          return "ok";
        case "ignore":
          return "ok";
        case "backoff":
          return "backoff";
        case "await-metadata":
          return "await-metadata";
        default:
          return "ok";
      }
    });
  }

  // --- ISR maintenance (leader) ----------------------------------------------------------------

  /** Called often by the replica manager; runs the shrink check every replica.lag.time.max.ms / 2. */
  tick(nowMs: number): void {
    if (this.role.kind !== "leader") return;
    const role = this.role;
    for (const done of role.delayed.expire(nowMs)) done.key(errorFields(done.error === "NONE" ? "REQUEST_TIMED_OUT" : done.error, "acks=all produce timed out waiting for the ISR"));
    if (nowMs - this.lastShrinkCheckMs < isrExpirationIntervalMs(this.env.replicaLagTimeMaxMs)) return;
    this.lastShrinkCheckMs = nowMs;
    const request = role.core.maybeShrinkIsr(this.view, nowMs);
    if (request) this.proposeIsrChange(request);
  }

  private proposeIsrChange(request: AlterPartitionRequest): void {
    this.env.logger.info({ partition: this.name, newIsr: request.newIsrWithEpochs.map((m) => m.brokerId), reason: request.reason }, `proposing ISR change for ${this.name}: ${reasonText(request.reason)}`);
    this.env.sendAlterPartition(this, request);
  }

  onAlterPartitionResponse(request: AlterPartitionRequest, response: AlterPartitionResponse): Promise<void> {
    return this.serial(() => {
      if (this.role.kind !== "leader") return;
      const outcome = this.role.core.onAlterPartitionResponse(request, response, this.view, this.env.clock.nowMs());
      switch (outcome.kind) {
        case "committed":
          this.env.logger.info({ partition: this.name, isr: outcome.isr }, `ISR of ${this.name} is now [${outcome.isr.join(",")}]`);
          this.env.onIsrChange?.(request.reason.kind, this);
          if (outcome.highWatermarkChanged) this.onHighWatermarkMoved();
          return;
        case "retry":
          setTimeout(() => this.env.sendAlterPartition(this, outcome.request), 100);
          return;
        case "reverted":
        case "await-metadata":
          this.env.logger.warn({ partition: this.name, error: outcome.error }, `ISR change for ${this.name} refused: ${outcome.error}`);
          return;
        default:
          return;
      }
    });
  }

  private onHighWatermarkMoved(): void {
    this.completeDelayedProduces();
    this.wakeFetchers();
  }

  private completeDelayedProduces(): void {
    if (this.role.kind !== "leader") return;
    for (const done of this.role.core.completeDelayedProduces(this.role.delayed)) done.key(done.error === "NONE" ? NO_ERROR : errorFields(done.error));
  }

  private failWaitingProduces(error: string): void {
    if (this.role.kind !== "leader") return;
    for (const done of this.role.delayed.completeAll(error as never)) done.key(errorFields(error, `${this.name} changed leader while the produce waited for replicas`));
  }
}

/** The reason as a person would say it (DESIGN.md section 8): "follower 5 last caught up 31 s ago". */
export function reasonText(reason: AlterPartitionReason): string {
  if (reason.kind === "expand") return `follower ${reason.replicaId} caught up (log end ${reason.logEndOffset} >= high watermark ${reason.highWatermark})`;
  return reason.outOfSync
    .map((r) => `follower ${r.replicaId} ${Number.isFinite(r.lastCaughtUpAgoMs) ? `last caught up ${(r.lastCaughtUpAgoMs / 1000).toFixed(1)} s ago` : "never caught up in this leadership"}`)
    .join("; ");
}

export type { PartitionEpoch };
