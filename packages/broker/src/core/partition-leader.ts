// The partition core on the leader (Kafka `Partition.scala`, leader half): follower fetch
// bookkeeping, ISR shrink and expand, the high watermark, AlterPartition pending-state rules and
// acks=all completion. Synchronous and clock-free: the replica manager shell (and the simulator)
// call it on the partition's request loop, pass the time as `nowMs`, and carry out what it
// returns (serve a read, send an AlterPartition, write an epoch-cache entry, complete produces).

import { assert, type BrokerEpoch, type LeaderEpoch, type NodeId, type Offset, type PartitionEpoch } from "@replog/common";
import {
  alterPartitionErrorAction,
  type AlterPartitionReason,
  type AlterPartitionRequest,
  type AlterPartitionResponse,
  type IsrMemberWithEpoch,
  type OutOfSyncReplica,
} from "./alter-partition.js";
import { checkConsumerFetch, type ConsumerFetchRequest, type ConsumerFetchResult } from "./consumer-fetch.js";
import type { DelayedProduceQueue, ProduceCompletion, ReplicaOffsetCheck } from "./delayed-produce.js";
import { highWatermarkCandidate, isUnderMinIsr } from "./high-watermark.js";
import { validateCurrentLeaderEpoch } from "./leader-epoch.js";
import type { PartitionError } from "./partition-error.js";
import type { EpochEndOffset, EpochEntry, PartitionLogView } from "./partition-log.js";
import { PartitionState, sortedIds } from "./partition-state.js";
import { ReplicaState } from "./replica-state.js";

export interface PartitionLeaderConfig {
  readonly localBrokerId: NodeId;
  /** This broker's epoch, sent for the leader itself in AlterPartition's `newIsrWithEpochs`. */
  readonly localBrokerEpoch: BrokerEpoch;
  /** Kafka: replica.lag.time.max.ms (default 30000). */
  readonly replicaLagTimeMaxMs: number;
  /** Kafka: min.insync.replicas, a topic config that may change at run time. */
  readonly minInsyncReplicas: number;
}

/** What the metadata image says about a broker, for KRaft ISR eligibility (§2.3). */
export interface BrokerStatus {
  readonly brokerEpoch: BrokerEpoch;
  readonly fenced: boolean;
  readonly inControlledShutdown: boolean;
}

export interface BrokerStatusView {
  /** Undefined when the broker is not registered. */
  brokerStatus(brokerId: NodeId): BrokerStatus | undefined;
}

/** The partition as committed in the metadata log (a PartitionRegistration). */
export interface LeaderAndIsr {
  readonly leader: NodeId;
  readonly leaderEpoch: LeaderEpoch;
  readonly partitionEpoch: PartitionEpoch;
  readonly replicas: readonly NodeId[];
  readonly isr: readonly NodeId[];
}

export interface LeaderChangeResult {
  /** False when the state was older than ours and skipped (partition epoch went back). */
  readonly applied: boolean;
  /**
   * Set when the leader epoch grew: the shell writes this entry into the leader-epoch cache at
   * once, before serving any fetch, even though no record of the epoch exists yet (KIP-279).
   */
  readonly assignEpochStartOffset: EpochEntry | undefined;
  readonly highWatermarkChanged: boolean;
}

export interface FollowerFetchRequest {
  readonly replicaId: NodeId;
  readonly fetchOffset: Offset;
  /** The follower's log start offset. */
  readonly logStartOffset: Offset;
  /** Epoch of the follower's last record; -1 when it has none (then no divergence check). */
  readonly lastFetchedEpoch: LeaderEpoch;
  /** The leader epoch the follower believes current; -1 skips the check. */
  readonly currentLeaderEpoch: LeaderEpoch;
  /** The follower's broker epoch (KIP-903); -1 skips the broker-epoch checks. */
  readonly brokerEpoch: BrokerEpoch;
}

export type FollowerFetchResult =
  | { readonly kind: "error"; readonly error: PartitionError }
  | {
      readonly kind: "diverging";
      /** The leader's `(epoch, endOffset)` for the follower's last fetched epoch (§4.4). */
      readonly divergingEpoch: EpochEndOffset;
      readonly highWatermark: Offset;
      readonly logStartOffset: Offset;
    }
  | {
      readonly kind: "read";
      /** Serve records in `[fetchOffset, readUpTo)`; followers read uncommitted data. */
      readonly fetchOffset: Offset;
      readonly readUpTo: Offset;
      /** HW and log start captured before the state update, as Kafka serves them (§1.3 step 3). */
      readonly highWatermark: Offset;
      readonly logStartOffset: Offset;
      /** The HW moved: retry delayed produces and fetches. */
      readonly highWatermarkChanged: boolean;
      /** An ISR expansion to send, when this fetch made the follower eligible to join (§2.3). */
      readonly alterPartition: AlterPartitionRequest | undefined;
    };

export type AlterPartitionOutcome =
  | { readonly kind: "ignored"; readonly reason: string }
  | { readonly kind: "committed"; readonly isr: readonly NodeId[]; readonly highWatermarkChanged: boolean }
  | { readonly kind: "reverted"; readonly error: string }
  | { readonly kind: "await-metadata"; readonly error: string }
  | { readonly kind: "retry"; readonly request: AlterPartitionRequest };

export type ProduceCheck = "NONE" | "INVALID_REQUIRED_ACKS" | "NOT_ENOUGH_REPLICAS";

export class PartitionLeader {
  private minInsyncReplicas: number;
  private nextProposalId = 1;

  private constructor(
    readonly config: PartitionLeaderConfig,
    private readonly brokers: BrokerStatusView,
    readonly state: PartitionState,
    /** The leader's view of each follower in the assignment (never the leader itself). */
    private readonly followers: Map<NodeId, ReplicaState>,
  ) {
    this.minInsyncReplicas = config.minInsyncReplicas;
  }

  /**
   * Kafka: Partition.makeLeader for a broker that was not leading this partition. The HW starts
   * from the log's (checkpointed, possibly stale) HW, clamped into `[logStart, LEO]`; a new
   * leader never lowers it and advances it once the followers fetch (§1.6).
   */
  static becomeLeader(args: {
    readonly config: PartitionLeaderConfig;
    readonly brokers: BrokerStatusView;
    readonly leaderAndIsr: LeaderAndIsr;
    readonly log: PartitionLogView;
    readonly highWatermark: Offset;
    readonly nowMs: number;
  }): { leader: PartitionLeader; result: LeaderChangeResult } {
    const { config, leaderAndIsr, log } = args;
    const startHw = clamp(args.highWatermark, log.logStartOffset(), log.logEndOffset());
    const state = new PartitionState(
      config.localBrokerId,
      leaderAndIsr.replicas,
      { kind: "committed", isr: sortedIds(leaderAndIsr.isr) },
      leaderAndIsr.leaderEpoch,
      leaderAndIsr.partitionEpoch,
      log.logEndOffset(),
      startHw,
    );
    const leader = new PartitionLeader(config, args.brokers, state, new Map());
    const result = leader.applyLeaderAndIsr(leaderAndIsr, log, args.nowMs, { isNewLeader: true, isNewLeaderEpoch: true });
    return { leader, result };
  }

  /**
   * Kafka: Partition.makeLeader again while leading: a committed PartitionChangeRecord from the
   * metadata log (ISR change, reassignment, or a new leader epoch for us). It replaces any pending
   * ISR state, so a late AlterPartition response is then ignored (testAlterIsrLeaderAndIsrRace).
   * A state with an older partition epoch is skipped: ours can be ahead because AlterPartition
   * responses commit first (§1.8).
   *
   * So is a state with our own partition and leader epochs while a proposal is pending. That
   * record is the one whose AlterPartition response we already committed (a partition epoch
   * names one registration); the proposal in flight was built on it, and the controller may have
   * accepted it already. Kafka's `makeLeader` applies an equal epoch and so drops a pending
   * expansion from the maximal ISR: the HW can then pass the joining replica while the controller
   * has it in the ISR, and if it is elected, committed records are lost (found by the data-plane
   * simulation, `pnpm vopr --data-plane --seed 5298`). Keeping the pending state only keeps the
   * HW stricter; the response or a newer record settles it.
   */
  onPartitionChangeCommitted(leaderAndIsr: LeaderAndIsr, log: PartitionLogView, nowMs: number): LeaderChangeResult {
    const alreadyCommitted =
      leaderAndIsr.partitionEpoch === this.state.partitionEpoch && leaderAndIsr.leaderEpoch === this.state.leaderEpoch && this.state.isInflight;
    if (leaderAndIsr.partitionEpoch < this.state.partitionEpoch || alreadyCommitted) {
      return { applied: false, assignEpochStartOffset: undefined, highWatermarkChanged: false };
    }
    assert(leaderAndIsr.leaderEpoch >= this.state.leaderEpoch, "a newer partition epoch with an older leader epoch");
    const isNewLeaderEpoch = leaderAndIsr.leaderEpoch > this.state.leaderEpoch;
    return this.applyLeaderAndIsr(leaderAndIsr, log, nowMs, { isNewLeader: false, isNewLeaderEpoch });
  }

  private applyLeaderAndIsr(
    leaderAndIsr: LeaderAndIsr,
    log: PartitionLogView,
    nowMs: number,
    change: { isNewLeader: boolean; isNewLeaderEpoch: boolean },
  ): LeaderChangeResult {
    const local = this.config.localBrokerId;
    assert(leaderAndIsr.leader === local, () => `broker ${local} asked to lead for leader ${leaderAndIsr.leader}`);
    assert(leaderAndIsr.replicas.includes(local), "the leader is not a replica");
    this.updateAssignment(leaderAndIsr.replicas);
    this.state.isrState = { kind: "committed", isr: sortedIds(leaderAndIsr.isr) };
    let assignEpochStartOffset: EpochEntry | undefined;
    // Only a new leader epoch moves the epoch start offset and resets follower state
    // (testDoNotResetReplicaStateIfLeaderEpochIsNotBumped, ...UpdateEpochStartOffset...).
    if (change.isNewLeaderEpoch) {
      const startOffset = log.logEndOffset();
      for (const follower of this.followers.values()) {
        follower.reset(nowMs, startOffset, change.isNewLeader, leaderAndIsr.isr.includes(follower.brokerId));
      }
      this.state.leaderEpoch = leaderAndIsr.leaderEpoch;
      this.state.leaderEpochStartOffset = startOffset;
      assignEpochStartOffset = { epoch: leaderAndIsr.leaderEpoch, startOffset };
    }
    this.state.partitionEpoch = leaderAndIsr.partitionEpoch;
    // The ISR may now be just the leader: try to advance the HW at once.
    const highWatermarkChanged = this.maybeIncrementHighWatermark(log, nowMs);
    this.state.checkInvariants(log.logStartOffset(), log.logEndOffset());
    return { applied: true, assignEpochStartOffset, highWatermarkChanged };
  }

  private updateAssignment(replicas: readonly NodeId[]): void {
    for (const id of [...this.followers.keys()]) if (!replicas.includes(id)) this.followers.delete(id);
    for (const id of replicas) {
      if (id !== this.config.localBrokerId && !this.followers.has(id)) this.followers.set(id, new ReplicaState(id));
    }
    this.state.replicas = [...replicas];
  }

  /** Kafka: a topic config change of `min.insync.replicas`; used from the next HW check on. */
  updateMinInsyncReplicas(minInsyncReplicas: number): void {
    assert(minInsyncReplicas >= 1, "min.insync.replicas must be at least 1");
    this.minInsyncReplicas = minInsyncReplicas;
  }

  follower(replicaId: NodeId): ReplicaState | undefined {
    return this.followers.get(replicaId);
  }

  followerStates(): readonly ReplicaState[] {
    return [...this.followers.values()].sort((a, b) => a.brokerId - b.brokerId);
  }

  get minIsr(): number {
    return this.minInsyncReplicas;
  }

  get highWatermark(): Offset {
    return this.state.highWatermark;
  }

  /** Committed ISR below the effective min ISR: acks=all is refused and the HW is frozen. */
  isUnderMinIsr(): boolean {
    return isUnderMinIsr(this.state.isr.length, this.minInsyncReplicas, this.state.replicas.length);
  }

  /**
   * A follower's fetch (Kafka: Partition.fetchRecords for a follower, §1.3): validate the epoch
   * and the replica, check divergence, then update the caught-up clock, maybe expand the ISR and
   * maybe advance the HW. The shell reads `[fetchOffset, readUpTo)` from the log and answers.
   */
  handleFollowerFetch(request: FollowerFetchRequest, log: PartitionLogView, nowMs: number): FollowerFetchResult {
    const epochError = validateCurrentLeaderEpoch(request.currentLeaderEpoch, this.state.leaderEpoch);
    if (epochError !== undefined) return { kind: "error", error: epochError };
    const follower = this.followers.get(request.replicaId);
    // Not in the assignment: with an epoch that matches ours, our metadata is probably behind a
    // reassignment, so the follower retries (UNKNOWN_LEADER_EPOCH).
    if (follower === undefined) {
      return { kind: "error", error: request.currentLeaderEpoch >= 0 ? "UNKNOWN_LEADER_EPOCH" : "NOT_LEADER_OR_FOLLOWER" };
    }
    // Captured before the read, so that appends racing with it cannot hold the follower back.
    const highWatermark = this.state.highWatermark;
    const logStartOffset = log.logStartOffset();
    const leaderEndOffset = log.logEndOffset();
    const readCheck = this.checkFetchOffset(request, log);
    if (readCheck !== undefined) {
      // A diverging follower gets no records and its state is not updated (§1.3 step 4).
      return readCheck.kind === "error" ? readCheck : { kind: "diverging", divergingEpoch: readCheck.divergingEpoch, highWatermark, logStartOffset };
    }
    // Broker-epoch fencing (§1.3 step 8): a fetch from an older incarnation of the follower.
    const alive = this.aliveBrokerEpoch(request.replicaId);
    if (request.brokerEpoch >= 0n && alive !== undefined && alive > request.brokerEpoch) {
      return { kind: "error", error: "NOT_LEADER_OR_FOLLOWER" };
    }
    const previousEndOffset = follower.logEndOffset;
    follower.updateFetchState({ ...request, nowMs, leaderEndOffset });
    const alterPartition = this.maybeExpandIsr(follower);
    // The follower may already be in the ISR and its LEO has just moved.
    const highWatermarkChanged = previousEndOffset !== follower.logEndOffset && this.maybeIncrementHighWatermark(log, nowMs);
    return { kind: "read", fetchOffset: request.fetchOffset, readUpTo: leaderEndOffset, highWatermark, logStartOffset, highWatermarkChanged, alterPartition };
  }

  /**
   * Kafka: Partition.readRecords before the read (§4.4, §1.3 step 5). With a last fetched epoch,
   * the follower diverges if we never had that epoch or have less of it than it does.
   */
  private checkFetchOffset(
    request: FollowerFetchRequest,
    log: PartitionLogView,
  ): { kind: "error"; error: PartitionError } | { kind: "diverging"; divergingEpoch: EpochEndOffset } | undefined {
    const outOfRange = { kind: "error", error: "OFFSET_OUT_OF_RANGE" } as const;
    if (request.lastFetchedEpoch >= 0) {
      const end = log.endOffsetForEpoch(request.lastFetchedEpoch);
      if (end === undefined) return outOfRange;
      // KAFKA-12443: a fetch below the log start is out of range even if it also diverges.
      if (request.fetchOffset < log.logStartOffset()) return outOfRange;
      if (end.epoch < request.lastFetchedEpoch || end.endOffset < request.fetchOffset) {
        return { kind: "diverging", divergingEpoch: end };
      }
    }
    if (request.fetchOffset < log.logStartOffset() || request.fetchOffset > log.logEndOffset()) return outOfRange;
    return undefined;
  }

  /** Kafka `getAliveBrokerEpoch`: the registered epoch of a broker that is not fenced. */
  private aliveBrokerEpoch(brokerId: NodeId): BrokerEpoch | undefined {
    const status = this.brokers.brokerStatus(brokerId);
    return status === undefined || status.fenced ? undefined : status.brokerEpoch;
  }

  /**
   * Kafka: Partition.isReplicaIsrEligible (KRaft): not fenced, not in controlled shutdown, and
   * the broker epoch from its fetch matches the registered one (or was sent as -1). A follower
   * that has not fetched in this leadership is not eligible.
   */
  isReplicaIsrEligible(follower: ReplicaState): boolean {
    const status = this.brokers.brokerStatus(follower.brokerId);
    if (status === undefined || status.fenced || status.inControlledShutdown) return false;
    const stored = follower.brokerEpoch;
    return stored !== undefined && (stored < 0n || stored === status.brokerEpoch);
  }

  /**
   * Kafka: Partition.maybeExpandIsr (§2.3). Expansion needs `LEO >= HW` AND `LEO >=` the leader
   * epoch start offset: a follower must hold an offset of the current epoch before it may join,
   * or it could join and then lead while missing committed data between our HW and LEO
   * (testFollowerDoesNotJoinISRUntilCaughtUpToOffsetWithinCurrentLeaderEpoch). Expansion looks at
   * the HW, removal at the caught-up clock; Kafka makes that asymmetry on purpose.
   */
  private maybeExpandIsr(follower: ReplicaState): AlterPartitionRequest | undefined {
    const isrState = this.state.isrState;
    if (isrState.kind !== "committed" || isrState.isr.includes(follower.brokerId)) return undefined;
    if (!this.isReplicaIsrEligible(follower)) return undefined;
    const endOffset = follower.logEndOffset;
    if (endOffset < this.state.highWatermark || endOffset < this.state.leaderEpochStartOffset) return undefined;
    const reason: AlterPartitionReason = {
      kind: "expand",
      replicaId: follower.brokerId,
      logEndOffset: endOffset,
      highWatermark: this.state.highWatermark,
    };
    const request = this.alterPartitionRequest([...isrState.isr, follower.brokerId], reason);
    this.state.isrState = { kind: "pending-expand", isr: isrState.isr, newReplica: follower.brokerId, request };
    return request;
  }

  /**
   * Kafka: Partition.maybeShrinkIsr, run by the shell every `replica.lag.time.max.ms / 2`
   * (`isrExpirationIntervalMs`). Removes ISR followers that are not caught up (§2.2); nothing
   * while an AlterPartition is in flight. The HW keeps waiting for them until the shrink commits.
   */
  maybeShrinkIsr(log: PartitionLogView, nowMs: number): AlterPartitionRequest | undefined {
    const isrState = this.state.isrState;
    if (isrState.kind !== "committed") return undefined;
    const leaderEndOffset = log.logEndOffset();
    const outOfSync: OutOfSyncReplica[] = [];
    for (const id of isrState.isr) {
      if (id === this.config.localBrokerId) continue;
      const follower = this.followers.get(id);
      if (follower !== undefined && follower.isCaughtUp(leaderEndOffset, nowMs, this.config.replicaLagTimeMaxMs)) continue;
      outOfSync.push({
        replicaId: id,
        logEndOffset: follower?.logEndOffset ?? (-1 as Offset),
        lastCaughtUpAgoMs: nowMs - (follower?.lastCaughtUpTimeMs ?? Number.NEGATIVE_INFINITY),
      });
    }
    if (outOfSync.length === 0) return undefined;
    const outIds = outOfSync.map((replica) => replica.replicaId);
    const request = this.alterPartitionRequest(
      isrState.isr.filter((id) => !outIds.includes(id)),
      { kind: "shrink", outOfSync },
    );
    this.state.isrState = { kind: "pending-shrink", isr: isrState.isr, outOfSync: outIds, request };
    return request;
  }

  /** Kafka `addBrokerEpochToIsr`: each member with the broker epoch from its fetch, or -1. */
  private alterPartitionRequest(newIsr: readonly NodeId[], reason: AlterPartitionReason): AlterPartitionRequest {
    const newIsrWithEpochs: IsrMemberWithEpoch[] = sortedIds(newIsr).map((brokerId) => ({
      brokerId,
      brokerEpoch:
        brokerId === this.config.localBrokerId
          ? this.config.localBrokerEpoch
          : (this.followers.get(brokerId)?.brokerEpoch ?? (-1n as BrokerEpoch)),
    }));
    return {
      proposalId: this.nextProposalId++,
      leaderId: this.config.localBrokerId,
      leaderEpoch: this.state.leaderEpoch,
      partitionEpoch: this.state.partitionEpoch,
      newIsrWithEpochs,
      leaderRecoveryState: "RECOVERED",
      reason,
    };
  }

  /**
   * Kafka: the AlterPartition completion in Partition.submitAlterPartition (§2.5). A response for a
   * proposal that is no longer pending (metadata replaced it) is ignored. A success commits only
   * if it is for our leader epoch and not older than our partition epoch; an equal partition
   * epoch (the controller had nothing to change) commits too.
   */
  onAlterPartitionResponse(
    request: AlterPartitionRequest,
    response: AlterPartitionResponse,
    log: PartitionLogView,
    nowMs: number,
  ): AlterPartitionOutcome {
    const isrState = this.state.isrState;
    if (isrState.kind === "committed" || isrState.request.proposalId !== request.proposalId) {
      return { kind: "ignored", reason: "the partition state changed since the request was sent" };
    }
    if (response.error !== "NONE" || !("isr" in response)) return this.onAlterPartitionError(response.error, isrState.isr, isrState.request);
    if (response.leaderEpoch !== this.state.leaderEpoch) {
      return { kind: "ignored", reason: `response leader epoch ${response.leaderEpoch}, ours ${this.state.leaderEpoch}` };
    }
    if (response.partitionEpoch < this.state.partitionEpoch) {
      return { kind: "ignored", reason: `response partition epoch ${response.partitionEpoch}, ours ${this.state.partitionEpoch}` };
    }
    this.state.isrState = { kind: "committed", isr: sortedIds(response.isr) };
    this.state.partitionEpoch = response.partitionEpoch;
    // The ISR may have shrunk to members that are all further along: the HW may move.
    const highWatermarkChanged = this.maybeIncrementHighWatermark(log, nowMs);
    this.state.checkInvariants(log.logStartOffset(), log.logEndOffset());
    return { kind: "committed", isr: this.state.isr, highWatermarkChanged };
  }

  private onAlterPartitionError(error: string, lastCommittedIsr: readonly NodeId[], request: AlterPartitionRequest): AlterPartitionOutcome {
    const action = alterPartitionErrorAction(error);
    switch (action) {
      case "revert":
        this.state.isrState = { kind: "committed", isr: lastCommittedIsr };
        return { kind: "reverted", error };
      case "await-metadata":
        return { kind: "await-metadata", error };
      case "retry":
        return { kind: "retry", request };
    }
  }

  /**
   * Kafka: Partition.maybeIncrementLeaderHW (§1.5). Frozen while under min ISR (strict min ISR);
   * otherwise raised to the candidate of `highWatermarkCandidate`, never lowered.
   */
  maybeIncrementHighWatermark(log: PartitionLogView, nowMs: number): boolean {
    if (this.isUnderMinIsr()) return false;
    const leaderLogEndOffset = log.logEndOffset();
    const candidate = highWatermarkCandidate({
      leaderLogEndOffset,
      remoteReplicas: this.followers.values(),
      maximalIsr: this.state.maximalIsr,
      nowMs,
      lagTimeMaxMs: this.config.replicaLagTimeMaxMs,
      isIsrEligible: (replica) => this.isReplicaIsrEligible(replica),
    });
    if (candidate <= this.state.highWatermark) return false;
    assert(candidate <= leaderLogEndOffset, () => `hw candidate ${candidate} above leo ${leaderLogEndOffset}`);
    this.state.highWatermark = candidate;
    return true;
  }

  /**
   * Kafka: ReplicaManager.isValidRequiredAcks and the acks=all check of
   * Partition.appendRecordsToLeader (§3.1, §3.4 step 1): with the committed ISR below the
   * effective min ISR, acks=all is refused before anything is appended.
   */
  checkProduce(acks: number): ProduceCheck {
    if (acks !== -1 && acks !== 0 && acks !== 1) return "INVALID_REQUIRED_ACKS";
    if (acks === -1 && this.isUnderMinIsr()) return "NOT_ENOUGH_REPLICAS";
    return "NONE";
  }

  /**
   * The shell appended to the leader log: with a one-member ISR the HW can move at once (§1.5
   * triggers). Returns whether it moved, so the shell retries delayed produces and fetches.
   */
  appendedLocally(log: PartitionLogView, nowMs: number): boolean {
    return this.maybeIncrementHighWatermark(log, nowMs);
  }

  /**
   * Kafka: Partition.checkEnoughReplicasReachOffset for an acks=all produce waiting for
   * `requiredOffset` (its last offset + 1). Done once the HW covers it; the error is
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the maximal ISR has fallen below the effective min ISR
   * since the append (the data is committed all the same).
   */
  checkEnoughReplicasReachOffset(requiredOffset: Offset): ReplicaOffsetCheck {
    if (this.state.highWatermark < requiredOffset) return { done: false };
    const minIsr = Math.min(this.minInsyncReplicas, this.state.replicas.length);
    return { done: true, error: this.state.maximalIsr.length >= minIsr ? "NONE" : "NOT_ENOUGH_REPLICAS_AFTER_APPEND" };
  }

  /**
   * Kafka: DelayedProduce.tryComplete for this partition's waiting acks=all produces, run by the
   * shell whenever the HW moved (and when it adds a produce). Returns those that complete now.
   */
  completeDelayedProduces<K>(queue: DelayedProduceQueue<K>): ProduceCompletion<K>[] {
    return queue.tryComplete((requiredOffset) => this.checkEnoughReplicasReachOffset(requiredOffset));
  }

  /** A consumer's fetch on the leader: below the HW only (`checkConsumerFetch`). */
  handleConsumerFetch(request: ConsumerFetchRequest, log: PartitionLogView): ConsumerFetchResult {
    return checkConsumerFetch(request, this.state.leaderEpoch, this.state.highWatermark, log);
  }

  /** Kafka: Partition.lastOffsetForLeaderEpoch (OffsetsForLeaderEpoch on the leader, §4.3). */
  handleOffsetForLeaderEpoch(
    currentLeaderEpoch: LeaderEpoch,
    requestedEpoch: LeaderEpoch,
    log: PartitionLogView,
  ): { kind: "error"; error: PartitionError } | { kind: "ok"; epochEndOffset: EpochEndOffset | undefined } {
    const error = validateCurrentLeaderEpoch(currentLeaderEpoch, this.state.leaderEpoch);
    if (error !== undefined) return { kind: "error", error };
    return { kind: "ok", epochEndOffset: log.endOffsetForEpoch(requestedEpoch) };
  }
}

/** Kafka schedules `isr-expiration` at half the lag time (§2.2). */
export function isrExpirationIntervalMs(replicaLagTimeMaxMs: number): number {
  return replicaLagTimeMaxMs / 2;
}

function clamp(value: Offset, low: Offset, high: Offset): Offset {
  return value < low ? low : value > high ? high : value;
}
