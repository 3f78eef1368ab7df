// One simulated broker of the data-plane simulation: the real partition core
// (`@replog/broker/core`: `PartitionLeader`, `PartitionFollower`, `DelayedProduceQueue`) over a
// `MemoryPartitionLog` per hosted replica, driven by a small shell written here the way the broker
// shell drives it: heartbeats that also fetch the metadata log, metadata applied in order
// (become leader / become follower, Kafka `ReplicaManager.applyDelta`), follower fetchers with
// long-polling on the leader, AlterPartition with retries, the isr-expiration task, the produce
// purgatory, and the high-watermark checkpoint.
//
// Durability model: a partition log keeps everything appended across a crash (Kafka relies on
// replication, not fsync, and the core has no notion of an unflushed tail); the high watermark
// survives only as its last checkpoint (`replica.high.watermark.checkpoint.interval.ms`), and the
// metadata image, broker epoch, fetch state and purgatory are lost. Truncation on restart comes
// only from the leader-epoch protocol.
//
// Called by `data-plane-simulation.ts` on its single loop: `receive`, `tick`, `crash`, `restart`.

import { NO_LEADER, assert, brokerEpoch, leaderEpoch, offset, type BrokerEpoch, type LeaderEpoch, type NodeId, type Offset } from "@replog/common";
import {
  DelayedProduceQueue,
  MemoryPartitionLog,
  PartitionFollower,
  PartitionLeader,
  type AlterPartitionRequest,
  type BrokerStatus,
  type BrokerStatusView,
  type FollowerFetchOutcome,
  type FollowerFetchResult,
  type LeaderAndIsr,
  type LeaderFetchResponse,
  type PartitionErrorOrNone,
} from "@replog/broker/core";
import type { DataPlaneMessage, MetadataRecord, PartitionRegistration, SimRecord } from "./data-plane-messages.js";

/** Bugs the shell can plant, to show that the checker catches them (see README). */
export type DataPlanePlantedBug = "hwOverShrinkingIsr" | "truncateToHighWatermark" | "expandBelowEpochStart";
export const dataPlanePlantedBugs: readonly DataPlanePlantedBug[] = ["hwOverShrinkingIsr", "truncateToHighWatermark", "expandBelowEpochStart"];

export interface BrokerSettings {
  readonly id: NodeId;
  readonly controllerId: NodeId;
  readonly heartbeatIntervalMs: number;
  /** Kafka: replica.lag.time.max.ms; isr-expiration runs every half of it. */
  readonly replicaLagTimeMaxMs: number;
  readonly minInsyncReplicas: number;
  /** Kafka: replica.fetch.wait.max.ms (the long-poll bound). */
  readonly fetchMaxWaitMs: number;
  /** Kafka: replica.fetch.backoff.ms. */
  readonly fetchBackoffMs: number;
  /** Records per fetch response (Kafka bounds bytes; records here). */
  readonly fetchMaxRecords: number;
  /** A fetch or AlterPartition without an answer this long is treated as a network error. */
  readonly requestTimeoutMs: number;
  /** Kafka: replica.high.watermark.checkpoint.interval.ms. */
  readonly hwCheckpointIntervalMs: number;
  readonly plantedBug: DataPlanePlantedBug | undefined;
}

/** Rare paths the coverage test wants to see taken over a seed range. */
export type DataPlaneMark =
  | "truncation"
  | "diverging-epoch"
  | "out-of-range"
  | "isr-shrink-proposed"
  | "isr-expand-proposed"
  | "alter-partition-resent"
  | "fetch-error"
  | "fetch-parked"
  | "zombie-produce"
  | "leader-epoch-bumped-in-place"
  | "alter-committed"
  | "alter-reverted"
  | "alter-await-metadata"
  | "alter-ignored"
  | "alter-retry";

export interface BrokerEnv {
  send(m: DataPlaneMessage): void;
  trace(line: string): void;
  mark(what: DataPlaneMark): void;
  /** Called before a replica's log loses `[to, LEO)`, so the checker can see what goes. */
  beforeTruncate(broker: NodeId, replica: Replica, to: Offset): void;
  /** A planted bug changed what the correct shell would have done. */
  plantedBugFired(): void;
}

interface ProduceKey {
  readonly client: NodeId;
  readonly produceId: number;
  readonly baseOffset: Offset;
  readonly count: number;
  readonly epoch: LeaderEpoch;
}

type FetchMessage = Extract<DataPlaneMessage, { type: "Fetch" }>;
type ProduceMessage = Extract<DataPlaneMessage, { type: "Produce" }>;

export type ReplicaRole =
  | {
      readonly kind: "leader";
      readonly core: PartitionLeader;
      readonly purgatory: DelayedProduceQueue<ProduceKey>;
      /** Follower fetches waiting for data (the fetch purgatory), until `deadlineMs`. */
      parked: { readonly m: FetchMessage; readonly deadlineMs: number }[];
      alter: { readonly request: AlterPartitionRequest; readonly sentAtMs: number } | undefined;
    }
  | {
      readonly kind: "follower";
      readonly core: PartitionFollower;
      inflight: { readonly fetchId: number; readonly sentAtMs: number } | undefined;
      backoffUntilMs: number;
    }
  | { readonly kind: "none"; readonly highWatermark: Offset };

export interface Replica {
  readonly partition: number;
  /** Durable: survives crashes. */
  readonly log: MemoryPartitionLog;
  checkpointedHighWatermark: Offset;
  role: ReplicaRole;
}

/** The broker's metadata image: what it has read of the controller's log, in order. */
class BrokerImage implements BrokerStatusView {
  offset = 0;
  readonly brokers = new Map<NodeId, BrokerStatus>();
  readonly partitions = new Map<number, PartitionRegistration>();

  brokerStatus(id: NodeId): BrokerStatus | undefined {
    return this.brokers.get(id);
  }

  replay(record: MetadataRecord): void {
    this.offset++;
    switch (record.type) {
      case "register":
        this.brokers.set(record.broker, { brokerEpoch: record.brokerEpoch, fenced: true, inControlledShutdown: false });
        return;
      case "fence":
      case "unfence": {
        const status = this.brokers.get(record.broker);
        assert(status !== undefined, () => `${record.type} of unregistered broker ${record.broker}`);
        this.brokers.set(record.broker, { ...status, fenced: record.type === "fence" });
        return;
      }
      case "partition":
        this.partitions.set(record.registration.partition, record.registration);
        return;
    }
  }
}

export class SimBroker {
  /** Durable replicas by partition; their roles are volatile. */
  readonly replicas = new Map<number, Replica>();
  private image = new BrokerImage();
  private epoch: BrokerEpoch | undefined;
  private lifeNumber = 0;
  private nextFetchId = 1;
  private nextHeartbeatMs = 0;
  private nextIsrCheckMs = 0;
  private nextCheckpointMs = 0;

  constructor(
    readonly settings: BrokerSettings,
    private readonly env: BrokerEnv,
    bootstrapEpoch: BrokerEpoch,
  ) {
    this.epoch = bootstrapEpoch;
  }

  get id(): NodeId {
    return this.settings.id;
  }

  get life(): number {
    return this.lifeNumber;
  }

  get brokerEpoch(): BrokerEpoch | undefined {
    return this.epoch;
  }

  get metadataOffset(): number {
    return this.image.offset;
  }

  // ---- lifecycle ----

  /** Power loss: everything but the logs and the HW checkpoints is gone. */
  crash(): void {
    for (const replica of this.replicas.values()) replica.role = { kind: "none", highWatermark: replica.checkpointedHighWatermark };
    this.image = new BrokerImage();
    this.epoch = undefined;
  }

  /** A new process: recover the logs (the HW from its checkpoint) and register again. */
  restart(nowMs: number): void {
    this.lifeNumber++;
    this.nextHeartbeatMs = nowMs;
    for (const replica of this.replicas.values()) {
      const hw = clamp(replica.checkpointedHighWatermark, replica.log.logStartOffset(), replica.log.logEndOffset());
      replica.role = { kind: "none", highWatermark: hw };
      // Planted bug: recovery truncates to the checkpointed HW, as Kafka did before KIP-101 (§4.1).
      if (this.settings.plantedBug === "truncateToHighWatermark" && hw < replica.log.logEndOffset()) {
        this.plantedTruncation(replica, hw, "recovery");
      }
    }
  }

  // ---- timers ----

  /** The broker's timers, run on each of its ticks (a paused broker does not tick). */
  tick(nowMs: number): void {
    if (nowMs >= this.nextHeartbeatMs) {
      this.nextHeartbeatMs = nowMs + this.settings.heartbeatIntervalMs;
      this.env.send({ type: "Heartbeat", from: this.id, to: this.settings.controllerId, life: this.lifeNumber, brokerEpoch: this.epoch ?? brokerEpoch(-1n), metadataOffset: this.image.offset });
    }
    if (nowMs >= this.nextCheckpointMs) {
      this.nextCheckpointMs = nowMs + this.settings.hwCheckpointIntervalMs;
      for (const replica of this.replicas.values()) replica.checkpointedHighWatermark = highWatermarkOf(replica);
    }
    const isrCheck = nowMs >= this.nextIsrCheckMs;
    if (isrCheck) this.nextIsrCheckMs = nowMs + this.settings.replicaLagTimeMaxMs / 2;
    for (const replica of this.replicas.values()) {
      if (replica.role.kind === "leader") this.tickLeader(replica, nowMs, isrCheck);
      else if (replica.role.kind === "follower") this.tickFollower(replica, nowMs);
    }
  }

  private tickLeader(replica: Replica, nowMs: number, isrCheck: boolean): void {
    const role = replica.role;
    if (role.kind !== "leader") return;
    for (const done of role.purgatory.expire(nowMs)) this.answerProduce(replica, done.key, -1, done.error);
    const expired = role.parked.filter((p) => p.deadlineMs <= nowMs);
    role.parked = role.parked.filter((p) => p.deadlineMs > nowMs);
    for (const p of expired) this.handleFetch(p.m, nowMs, true);
    // The broker-to-controller channel resends a request that got no answer (§2.5: never times out).
    const pending = role.core.state.isrState;
    if (role.alter !== undefined && nowMs - role.alter.sentAtMs >= this.settings.requestTimeoutMs) {
      if (pending.kind !== "committed" && pending.request.proposalId === role.alter.request.proposalId) this.sendAlterPartition(replica, role.alter.request, nowMs);
      else role.alter = undefined;
    }
    if (isrCheck) {
      const request = role.core.maybeShrinkIsr(replica.log, nowMs);
      if (request !== undefined) this.sendAlterPartition(replica, request, nowMs);
      this.maybePlantedHighWatermark(replica);
    }
  }

  private tickFollower(replica: Replica, nowMs: number): void {
    const role = replica.role;
    if (role.kind !== "follower") return;
    if (role.inflight !== undefined && nowMs - role.inflight.sentAtMs >= this.settings.requestTimeoutMs + this.settings.fetchMaxWaitMs) role.inflight = undefined;
    this.maybeSendFetch(replica, nowMs);
  }

  // ---- inbound ----

  receive(m: DataPlaneMessage, nowMs: number): void {
    switch (m.type) {
      case "HeartbeatResponse":
        return this.handleHeartbeatResponse(m, nowMs);
      case "Fetch":
        return this.handleFetch(m, nowMs, false);
      case "FetchResponse":
        return this.handleFetchResponse(m, nowMs);
      case "AlterPartitionResponse":
        return this.handleAlterPartitionResponse(m, nowMs);
      case "Produce":
        return this.handleProduce(m, nowMs);
      default:
        assert(false, () => `broker ${this.id} got a ${m.type}`);
    }
  }

  private handleHeartbeatResponse(m: Extract<DataPlaneMessage, { type: "HeartbeatResponse" }>, nowMs: number): void {
    if (m.life !== this.lifeNumber) return;
    if (m.error === "STALE_BROKER_EPOCH") {
      // Our registration was replaced (a duplicated register landed twice): register again.
      this.epoch = undefined;
      return;
    }
    if (m.error !== "NONE") return;
    if (this.epoch === undefined) this.epoch = m.brokerEpoch;
    const changed = new Set<number>();
    for (let i = this.image.offset - m.fromOffset; i < m.records.length; i++) {
      if (i < 0) return; // A gap: an answer to an older heartbeat than our image. Wait for the next.
      const record = m.records[i]!;
      this.image.replay(record);
      if (record.type === "partition") changed.add(record.registration.partition);
    }
    for (const partition of [...changed].sort((a, b) => a - b)) this.applyPartition(this.image.partitions.get(partition)!, nowMs);
  }

  // ---- metadata: become leader, become follower (Kafka ReplicaManager.applyDelta) ----

  private applyPartition(registration: PartitionRegistration, nowMs: number): void {
    if (!registration.replicas.includes(this.id)) return;
    const replica = this.replicaFor(registration.partition);
    const role = replica.role;
    if (registration.leader === this.id) {
      if (role.kind === "leader") this.updateLeader(replica, role.core, registration, nowMs);
      else this.becomeLeader(replica, registration, nowMs);
      return;
    }
    if (role.kind === "follower" && role.core.leaderId === registration.leader && role.core.leaderEpoch === registration.leaderEpoch) return;
    const highWatermark = highWatermarkOf(replica);
    if (role.kind === "leader") this.resignLeadership(replica, nowMs);
    if (registration.leader === NO_LEADER) {
      replica.role = { kind: "none", highWatermark };
      return;
    }
    this.becomeFollower(replica, registration, highWatermark, nowMs);
  }

  private becomeLeader(replica: Replica, registration: PartitionRegistration, nowMs: number): void {
    assert(this.epoch !== undefined, "a broker leads only once registered");
    const { leader, result } = PartitionLeader.becomeLeader({
      config: { localBrokerId: this.id, localBrokerEpoch: this.epoch, replicaLagTimeMaxMs: this.settings.replicaLagTimeMaxMs, minInsyncReplicas: this.settings.minInsyncReplicas },
      brokers: this.image,
      leaderAndIsr: leaderAndIsr(registration),
      log: replica.log,
      highWatermark: highWatermarkOf(replica),
      nowMs,
    });
    const start = result.assignEpochStartOffset;
    if (start !== undefined) replica.log.assignEpochStartOffset(start.epoch, start.startOffset);
    replica.role = { kind: "leader", core: leader, purgatory: new DelayedProduceQueue<ProduceKey>(), parked: [], alter: undefined };
    this.env.trace(`b${this.id} p${replica.partition} becomes leader at epoch ${registration.leaderEpoch}: LEO ${replica.log.logEndOffset()}, HW ${leader.highWatermark}`);
  }

  private updateLeader(replica: Replica, core: PartitionLeader, registration: PartitionRegistration, nowMs: number): void {
    const result = core.onPartitionChangeCommitted(leaderAndIsr(registration), replica.log, nowMs);
    if (!result.applied) return;
    const start = result.assignEpochStartOffset;
    if (start !== undefined) {
      // Leadership went away and came back within one metadata batch: same core, new epoch.
      replica.log.assignEpochStartOffset(start.epoch, start.startOffset);
      this.env.mark("leader-epoch-bumped-in-place");
    }
    if (result.highWatermarkChanged) this.completeProduces(replica);
  }

  /** Waiting produces fail and parked fetches are answered: we no longer lead (testDeltaToFollowerCompletesProduce). */
  private resignLeadership(replica: Replica, nowMs: number): void {
    const role = replica.role;
    if (role.kind !== "leader") return;
    for (const done of role.purgatory.completeAll("NOT_LEADER_OR_FOLLOWER")) this.answerProduce(replica, done.key, -1, done.error);
    replica.role = { kind: "none", highWatermark: role.core.highWatermark };
    for (const p of role.parked) this.handleFetch(p.m, nowMs, true);
  }

  private becomeFollower(replica: Replica, registration: PartitionRegistration, highWatermark: Offset, nowMs: number): void {
    const { follower, truncateTo } = PartitionFollower.becomeFollower({
      localBrokerId: this.id, leaderId: registration.leader, leaderEpoch: registration.leaderEpoch, log: replica.log, highWatermark,
    });
    replica.role = { kind: "follower", core: follower, inflight: undefined, backoffUntilMs: nowMs };
    if (truncateTo !== undefined) this.truncate(replica, follower, truncateTo, "empty epoch cache");
    // Planted bug: every new leadership makes the follower truncate to its HW (pre-KIP-101 Kafka).
    if (this.settings.plantedBug === "truncateToHighWatermark" && follower.highWatermark < replica.log.logEndOffset()) {
      this.plantedTruncation(replica, follower.highWatermark, "become follower");
      follower.onTruncated(replica.log);
    }
    this.maybeSendFetch(replica, nowMs);
  }

  // ---- follower: the fetcher ----

  private maybeSendFetch(replica: Replica, nowMs: number): void {
    const role = replica.role;
    if (role.kind !== "follower" || role.inflight !== undefined || nowMs < role.backoffUntilMs || this.epoch === undefined) return;
    const fetch = role.core.buildFetch(replica.log);
    if (fetch === undefined) return;
    const fetchId = this.nextFetchId++;
    role.inflight = { fetchId, sentAtMs: nowMs };
    this.env.send({ type: "Fetch", from: this.id, to: role.core.leaderId, life: this.lifeNumber, partition: replica.partition, fetchId, brokerEpoch: this.epoch, fetch });
  }

  private handleFetchResponse(m: Extract<DataPlaneMessage, { type: "FetchResponse" }>, nowMs: number): void {
    const replica = this.replicas.get(m.partition);
    const role = replica?.role;
    if (m.life !== this.lifeNumber || replica === undefined || role?.kind !== "follower" || role.inflight?.fetchId !== m.fetchId) return;
    role.inflight = undefined;
    const outcome = role.core.handleFetchResponse(m.fetch, m.response, replica.log);
    this.carryOut(replica, role.core, outcome, m, nowMs);
    this.maybeSendFetch(replica, nowMs);
  }

  /** Do what the follower core decided, and confirm it (the fetcher shell's part, §1.3, §4.4, §4.5). */
  private carryOut(replica: Replica, core: PartitionFollower, outcome: FollowerFetchOutcome, m: Extract<DataPlaneMessage, { type: "FetchResponse" }>, nowMs: number): void {
    switch (outcome.kind) {
      case "append": {
        replica.log.appendAsFollower(m.records);
        const { raiseLogStartOffsetTo } = core.onAppended(m.response, replica.log);
        if (raiseLogStartOffsetTo !== undefined) {
          replica.log.advanceLogStartOffset(raiseLogStartOffsetTo);
          core.onLogStartOffsetRaised(replica.log);
        }
        return;
      }
      case "truncate":
        return this.truncate(replica, core, outcome.truncateTo, outcome.complete ? "diverging epoch" : "diverging epoch, another round follows");
      case "truncate-fully":
        this.env.beforeTruncate(this.id, replica, replica.log.logStartOffset());
        replica.log.truncateFullyAndStartAt(outcome.startAt);
        core.onTruncated(replica.log);
        this.env.trace(`b${this.id} p${replica.partition} restarts its log at ${outcome.startAt}`);
        return;
      case "resolve-out-of-range":
        this.env.mark("out-of-range");
        return this.carryOut(replica, core, core.handleOutOfRange(m.leaderLogEndOffset, m.leaderLogStartOffset, replica.log), m, nowMs);
      case "backoff": {
        const role = replica.role;
        if (role.kind === "follower") role.backoffUntilMs = nowMs + this.settings.fetchBackoffMs;
        return;
      }
      case "await-metadata":
      case "ignore":
        return;
    }
  }

  private truncate(replica: Replica, core: PartitionFollower, to: Offset, why: string): void {
    const before = replica.log.logEndOffset();
    this.env.beforeTruncate(this.id, replica, to);
    replica.log.truncateTo(to);
    core.onTruncated(replica.log);
    if (replica.log.logEndOffset() < before) this.env.mark("truncation");
    if (replica.log.logEndOffset() < before) this.env.trace(`b${this.id} p${replica.partition} truncates ${before} -> ${replica.log.logEndOffset()} (${why})`);
  }

  private plantedTruncation(replica: Replica, to: Offset, when: string): void {
    this.env.trace(`b${this.id} p${replica.partition} PLANTED BUG truncateToHighWatermark at ${when}: ${replica.log.logEndOffset()} -> ${to}`);
    this.env.beforeTruncate(this.id, replica, to);
    replica.log.truncateTo(to);
    this.env.plantedBugFired();
  }

  // ---- leader: follower fetches, produces, AlterPartition ----

  /** Kafka `Partition.fetchRecords` for a follower, with the fetch purgatory's long poll. */
  private handleFetch(m: FetchMessage, nowMs: number, fromPurgatory: boolean): void {
    const replica = this.replicas.get(m.partition);
    const role = replica?.role;
    if (replica === undefined || role?.kind !== "leader") return this.answerFetch(m, replica, { kind: "error", error: "NOT_LEADER_OR_FOLLOWER" });
    const result = role.core.handleFollowerFetch({ replicaId: m.from, ...m.fetch, brokerEpoch: m.brokerEpoch }, replica.log, nowMs);
    if (result.kind === "diverging") this.env.mark("diverging-epoch");
    if (result.kind === "error") this.env.mark("fetch-error");
    if (result.kind === "read") {
      const alterPartition = result.alterPartition ?? this.maybePlantedExpansion(replica, m.from);
      if (alterPartition !== undefined) this.sendAlterPartition(replica, alterPartition, nowMs);
      if (result.highWatermarkChanged) this.completeProduces(replica);
      this.maybePlantedHighWatermark(replica);
      if (result.readUpTo === result.fetchOffset && !fromPurgatory) {
        role.parked.push({ m, deadlineMs: nowMs + this.settings.fetchMaxWaitMs });
        this.env.mark("fetch-parked");
        return;
      }
    }
    this.answerFetch(m, replica, result);
  }

  private answerFetch(m: FetchMessage, replica: Replica | undefined, result: FollowerFetchResult): void {
    const log = replica?.log;
    const hw = replica === undefined ? offset(0) : highWatermarkOf(replica);
    const base = { highWatermark: hw, logStartOffset: log?.logStartOffset() ?? offset(0), divergingEpoch: undefined };
    let response: LeaderFetchResponse;
    let records: SimRecord[] = [];
    switch (result.kind) {
      case "error":
        response = { ...base, error: result.error };
        break;
      case "diverging":
        response = { error: "NONE", highWatermark: result.highWatermark, logStartOffset: result.logStartOffset, divergingEpoch: result.divergingEpoch };
        break;
      case "read":
        records = log!.read(result.fetchOffset, Math.min(this.settings.fetchMaxRecords, result.readUpTo - result.fetchOffset));
        response = { error: "NONE", highWatermark: result.highWatermark, logStartOffset: result.logStartOffset, divergingEpoch: undefined };
        break;
    }
    this.env.send({
      type: "FetchResponse", from: this.id, to: m.from, life: m.life, partition: m.partition, fetchId: m.fetchId, fetch: m.fetch, response, records,
      leaderLogEndOffset: log?.logEndOffset() ?? offset(0), leaderLogStartOffset: log?.logStartOffset() ?? offset(0),
    });
  }

  /** Kafka `ReplicaManager.appendRecords` on the leader (§3): acks=1 answers now, acks=all waits for the HW. */
  private handleProduce(m: ProduceMessage, nowMs: number): void {
    const replica = this.replicas.get(m.partition);
    const role = replica?.role;
    const reject = (error: PartitionErrorOrNone): void => {
      this.env.send({ type: "ProduceResponse", from: this.id, to: m.from, partition: m.partition, produceId: m.produceId, acks: m.acks, error, baseOffset: offset(-1), count: m.count, epoch: leaderEpoch(-1) });
    };
    if (replica === undefined || role?.kind !== "leader") return reject("NOT_LEADER_OR_FOLLOWER");
    const check = role.core.checkProduce(m.acks);
    if (check !== "NONE") return reject(check);
    if (!role.purgatory.hasRoom()) return reject("REQUEST_TIMED_OUT");
    const epoch = role.core.state.leaderEpoch;
    const baseOffset = replica.log.logEndOffset();
    const last = replica.log.appendAsLeader(m.count, epoch);
    const key: ProduceKey = { client: m.from, produceId: m.produceId, baseOffset, count: m.count, epoch };
    if (m.acks === -1) role.purgatory.add({ key, requiredOffset: offset(last + 1), deadlineMs: nowMs + m.timeoutMs });
    if (role.core.appendedLocally(replica.log, nowMs)) this.completeProduces(replica);
    this.maybePlantedHighWatermark(replica);
    if (m.acks === 1) this.answerProduce(replica, key, 1, "NONE");
    // New data wakes the parked follower fetches (the fetch purgatory's completion on append).
    const parked = role.parked;
    role.parked = [];
    for (const p of parked) this.handleFetch(p.m, nowMs, true);
  }

  private completeProduces(replica: Replica): void {
    const role = replica.role;
    if (role.kind !== "leader") return;
    for (const done of role.core.completeDelayedProduces(role.purgatory)) this.answerProduce(replica, done.key, -1, done.error);
  }

  private answerProduce(replica: Replica, key: ProduceKey, acks: -1 | 1, error: PartitionErrorOrNone): void {
    this.env.send({
      type: "ProduceResponse", from: this.id, to: key.client, partition: replica.partition, produceId: key.produceId, acks, error,
      baseOffset: key.baseOffset, count: key.count, epoch: key.epoch,
    });
  }

  private sendAlterPartition(replica: Replica, request: AlterPartitionRequest, nowMs: number): void {
    const role = replica.role;
    if (role.kind !== "leader") return;
    if (role.alter?.request.proposalId === request.proposalId) this.env.mark("alter-partition-resent");
    else this.env.mark(request.reason.kind === "shrink" ? "isr-shrink-proposed" : "isr-expand-proposed");
    // Remembered even when it cannot go out yet (no broker epoch between registrations): the
    // tick resends it, as the channel does with any unanswered request.
    role.alter = { request, sentAtMs: nowMs };
    if (this.epoch === undefined) return;
    this.env.send({ type: "AlterPartition", from: this.id, to: this.settings.controllerId, life: this.lifeNumber, partition: replica.partition, brokerEpoch: this.epoch, request });
  }

  private handleAlterPartitionResponse(m: Extract<DataPlaneMessage, { type: "AlterPartitionResponse" }>, nowMs: number): void {
    const replica = this.replicas.get(m.partition);
    const role = replica?.role;
    if (m.life !== this.lifeNumber || replica === undefined || role?.kind !== "leader") return;
    const outcome = role.core.onAlterPartitionResponse(m.request, m.response, replica.log, nowMs);
    this.env.mark(`alter-${outcome.kind}`);
    if (role.alter?.request.proposalId === m.request.proposalId) role.alter = undefined;
    if (outcome.kind === "committed" && outcome.highWatermarkChanged) this.completeProduces(replica);
    if (outcome.kind === "retry") this.sendAlterPartition(replica, outcome.request, nowMs);
    this.maybePlantedHighWatermark(replica);
  }

  /**
   * Planted bug `hwOverShrinkingIsr`: while a shrink is pending, advance the HW over the ISR
   * without the replicas being removed, as if the shrink had already committed. Kafka keeps them
   * in the maximal ISR until the controller confirms (§2.4), because if the shrink fails they are
   * still in the ISR and may be elected.
   */
  private maybePlantedHighWatermark(replica: Replica): void {
    const role = replica.role;
    if (this.settings.plantedBug !== "hwOverShrinkingIsr" || role.kind !== "leader") return;
    const state = role.core.state;
    const isrState = state.isrState;
    if (isrState.kind !== "pending-shrink" || role.core.isUnderMinIsr()) return;
    let candidate = replica.log.logEndOffset();
    for (const id of isrState.isr) {
      if (id === this.id || isrState.outOfSync.includes(id)) continue;
      const end = role.core.follower(id)?.logEndOffset ?? offset(-1);
      if (end < candidate) candidate = end;
    }
    if (candidate <= state.highWatermark) return;
    this.env.trace(`b${this.id} p${replica.partition} PLANTED BUG hwOverShrinkingIsr: HW ${state.highWatermark} -> ${candidate} without [${isrState.outOfSync.join(",")}]`);
    state.highWatermark = candidate;
    this.env.plantedBugFired();
    this.completeProduces(replica);
  }

  /**
   * Planted bug `expandBelowEpochStart`: let a follower join the ISR once its LEO reaches the HW,
   * without the second condition of §2.3 (LEO >= the leader-epoch start offset). A new leader's
   * HW can lag the old leader's, so the follower may join while missing committed records between
   * the two, and be elected (testFollowerDoesNotJoinISRUntilCaughtUpToOffsetWithinCurrentLeaderEpoch).
   */
  private maybePlantedExpansion(replica: Replica, followerId: NodeId): AlterPartitionRequest | undefined {
    const role = replica.role;
    if (this.settings.plantedBug !== "expandBelowEpochStart" || role.kind !== "leader") return undefined;
    const state = role.core.state;
    const isrState = state.isrState;
    const follower = role.core.follower(followerId);
    if (isrState.kind !== "committed" || isrState.isr.includes(followerId) || follower === undefined) return undefined;
    if (!role.core.isReplicaIsrEligible(follower) || follower.logEndOffset < state.highWatermark) return undefined;
    // The correct core refused: it must be the epoch-start condition that held it back.
    if (follower.logEndOffset >= state.leaderEpochStartOffset) return undefined;
    const isr = [...isrState.isr, followerId].sort((a, b) => a - b);
    const request: AlterPartitionRequest = {
      proposalId: 1_000_000_000 + this.nextFetchId++,
      leaderId: this.id,
      leaderEpoch: state.leaderEpoch,
      partitionEpoch: state.partitionEpoch,
      newIsrWithEpochs: isr.map((brokerId) => ({
        brokerId,
        brokerEpoch: brokerId === this.id ? role.core.config.localBrokerEpoch : (role.core.follower(brokerId)?.brokerEpoch ?? brokerEpoch(-1n)),
      })),
      leaderRecoveryState: "RECOVERED",
      reason: { kind: "expand", replicaId: followerId, logEndOffset: follower.logEndOffset, highWatermark: state.highWatermark },
    };
    state.isrState = { kind: "pending-expand", isr: isrState.isr, newReplica: followerId, request };
    this.env.trace(`b${this.id} p${replica.partition} PLANTED BUG expandBelowEpochStart: b${followerId} joins at LEO ${follower.logEndOffset}, epoch start ${state.leaderEpochStartOffset}`);
    this.env.plantedBugFired();
    return request;
  }

  // ---- helpers ----

  private replicaFor(partition: number): Replica {
    let replica = this.replicas.get(partition);
    if (replica === undefined) {
      replica = { partition, log: new MemoryPartitionLog(), checkpointedHighWatermark: offset(0), role: { kind: "none", highWatermark: offset(0) } };
      this.replicas.set(partition, replica);
    }
    return replica;
  }
}

/** The replica's HW in whatever role it has. */
export function highWatermarkOf(replica: Replica): Offset {
  const role = replica.role;
  return role.kind === "none" ? role.highWatermark : role.core.highWatermark;
}

function leaderAndIsr(r: PartitionRegistration): LeaderAndIsr {
  return { leader: r.leader, leaderEpoch: r.leaderEpoch, partitionEpoch: r.partitionEpoch, replicas: r.replicas, isr: r.isr };
}

function clamp(value: Offset, low: Offset, high: Offset): Offset {
  return value < low ? low : value > high ? high : value;
}
