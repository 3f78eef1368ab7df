// Test fixture for the partition core: a leader over a MemoryPartitionLog, a mutable broker
// registry standing in for the metadata image, and short helpers for follower fetches and
// controller answers. Used by the unit and property tests only (excluded from the build).

import {
  brokerEpoch,
  leaderEpoch,
  nodeId,
  offset,
  partitionEpoch,
  type BrokerEpoch,
  type LeaderEpoch,
  type NodeId,
  type Offset,
  type PartitionEpoch,
} from "@replog/common";
import type { AlterPartitionRequest } from "../alter-partition.js";
import { MemoryPartitionLog } from "../memory-partition-log.js";
import {
  PartitionLeader,
  type BrokerStatus,
  type BrokerStatusView,
  type FollowerFetchResult,
  type LeaderAndIsr,
  type LeaderChangeResult,
} from "../partition-leader.js";

export class FakeBrokerRegistry implements BrokerStatusView {
  readonly statuses = new Map<NodeId, BrokerStatus>();

  constructor(ids: readonly number[]) {
    for (const id of ids) this.statuses.set(nodeId(id), { brokerEpoch: brokerEpoch(BigInt(100 + id)), fenced: false, inControlledShutdown: false });
  }

  brokerStatus(id: NodeId): BrokerStatus | undefined {
    return this.statuses.get(id);
  }

  set(id: number, change: Partial<BrokerStatus>): void {
    const current = this.statuses.get(nodeId(id))!;
    this.statuses.set(nodeId(id), { ...current, ...change });
  }

  epochOf(id: number): BrokerEpoch {
    return this.statuses.get(nodeId(id))!.brokerEpoch;
  }
}

export interface LeaderFixtureOptions {
  readonly replicas?: readonly number[];
  readonly isr?: readonly number[];
  readonly leaderEpoch?: number;
  readonly partitionEpoch?: number;
  readonly minInsyncReplicas?: number;
  readonly lagTimeMaxMs?: number;
  /** Records already in the log before leadership, all of epoch `leaderEpoch - 1`. */
  readonly initialRecords?: number;
  /** Shapes the log before leadership instead of `initialRecords`. */
  readonly prepareLog?: (log: MemoryPartitionLog) => void;
  readonly highWatermark?: number;
  readonly nowMs?: number;
}

export class LeaderFixture {
  readonly log = new MemoryPartitionLog();
  readonly brokers: FakeBrokerRegistry;
  readonly leader: PartitionLeader;
  readonly becameLeader: LeaderChangeResult;
  nowMs: number;

  constructor(options: LeaderFixtureOptions = {}) {
    const replicas = options.replicas ?? [1, 2, 3];
    this.nowMs = options.nowMs ?? 1_000;
    this.brokers = new FakeBrokerRegistry(replicas);
    const epoch = options.leaderEpoch ?? 5;
    if ((options.initialRecords ?? 0) > 0) this.log.appendAsLeader(options.initialRecords!, leaderEpoch(epoch - 1));
    options.prepareLog?.(this.log);
    const { leader, result } = PartitionLeader.becomeLeader({
      config: {
        localBrokerId: nodeId(replicas[0]!),
        localBrokerEpoch: this.brokers.epochOf(replicas[0]!),
        replicaLagTimeMaxMs: options.lagTimeMaxMs ?? 10_000,
        minInsyncReplicas: options.minInsyncReplicas ?? 1,
      },
      brokers: this.brokers,
      leaderAndIsr: this.leaderAndIsr({ replicas, isr: options.isr ?? replicas, leaderEpoch: epoch, partitionEpoch: options.partitionEpoch ?? 10 }),
      log: this.log,
      highWatermark: offset(options.highWatermark ?? 0),
      nowMs: this.nowMs,
    });
    // The shell writes the new epoch's start into the cache before serving any fetch (KIP-279).
    if (result.assignEpochStartOffset !== undefined) {
      this.log.assignEpochStartOffset(result.assignEpochStartOffset.epoch, result.assignEpochStartOffset.startOffset);
    }
    this.leader = leader;
    this.becameLeader = result;
  }

  leaderAndIsr(args: { replicas?: readonly number[]; isr: readonly number[]; leaderEpoch?: number; partitionEpoch: number }): LeaderAndIsr {
    const replicas = args.replicas ?? this.leader.state.replicas;
    return {
      leader: nodeId(replicas[0]!),
      leaderEpoch: leaderEpoch(args.leaderEpoch ?? this.leader.state.leaderEpoch),
      partitionEpoch: partitionEpoch(args.partitionEpoch),
      replicas: replicas.map(nodeId),
      isr: args.isr.map(nodeId),
    };
  }

  get epoch(): LeaderEpoch {
    return this.leader.state.leaderEpoch;
  }

  get partitionEpoch(): PartitionEpoch {
    return this.leader.state.partitionEpoch;
  }

  advance(ms: number): void {
    this.nowMs += ms;
  }

  /** A leader append of `count` records; returns the produce's required offset (last + 1). */
  append(count: number): { requiredOffset: Offset; highWatermarkChanged: boolean } {
    const last = this.log.appendAsLeader(count, this.epoch);
    const highWatermarkChanged = this.leader.appendedLocally(this.log, this.nowMs);
    return { requiredOffset: offset(last + 1), highWatermarkChanged };
  }

  fetch(
    replicaId: number,
    fetchOffset: number,
    extra: { lastFetchedEpoch?: number; currentLeaderEpoch?: number; brokerEpoch?: bigint; logStartOffset?: number } = {},
  ): FollowerFetchResult {
    return this.leader.handleFollowerFetch(
      {
        replicaId: nodeId(replicaId),
        fetchOffset: offset(fetchOffset),
        logStartOffset: offset(extra.logStartOffset ?? 0),
        lastFetchedEpoch: leaderEpoch(extra.lastFetchedEpoch ?? -1),
        currentLeaderEpoch: leaderEpoch(extra.currentLeaderEpoch ?? this.epoch),
        brokerEpoch: brokerEpoch(extra.brokerEpoch ?? this.brokers.epochOf(replicaId)),
      },
      this.log,
      this.nowMs,
    );
  }

  /** The controller accepts `request` and bumps the partition epoch. */
  acceptAlterPartition(request: AlterPartitionRequest): ReturnType<PartitionLeader["onAlterPartitionResponse"]> {
    return this.leader.onAlterPartitionResponse(
      request,
      {
        error: "NONE",
        leaderId: request.leaderId,
        leaderEpoch: request.leaderEpoch,
        isr: request.newIsrWithEpochs.map((member) => member.brokerId),
        partitionEpoch: partitionEpoch(request.partitionEpoch + 1),
      },
      this.log,
      this.nowMs,
    );
  }

  failAlterPartition(request: AlterPartitionRequest, error: string): ReturnType<PartitionLeader["onAlterPartitionResponse"]> {
    return this.leader.onAlterPartitionResponse(request, { error }, this.log, this.nowMs);
  }
}

export function ids(list: readonly number[]): NodeId[] {
  return list.map(nodeId);
}
