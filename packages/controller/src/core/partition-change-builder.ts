// Computes the smallest PartitionChangeRecord that takes a partition to a target ISR, with a leader
// elected by Kafka's rules (Kafka PartitionChangeBuilder; kafka-replication.md §5.2, §5.3). Pure:
// it reads the current registration and an "acceptable leader" predicate, and never mutates.
// Called by ReplicationControlManager for AlterPartition, broker fencing, unfencing, controlled
// shutdown and leader elections.
//
// Eligible leader replicas (KIP-966) are not implemented: this is Kafka with ELR off, so the ISR
// never becomes empty (an empty target ISR leaves the ISR out of the record, and the last member
// stays in it while the partition has no leader).
//
// Partition reassignment (adding/removing replicas) is not implemented either.

import { NO_LEADER, type BrokerId } from "@replog/common";
import type { LeaderRecoveryState, PartitionChangeRecord, PartitionRegistration, TopicId } from "@replog/metadata";

/**
 * ONLINE: keep a valid leader, else the first valid ISR member in replica order.
 * UNCLEAN: as ONLINE, then fall back to any acceptable replica (chosen when the topic has
 * unclean.leader.election.enable=true, or by an UNCLEAN ElectLeaders call).
 * PREFERRED: replicas[0] if valid, else as ONLINE; never unclean.
 */
export type Election = "ONLINE" | "UNCLEAN" | "PREFERRED";

interface ElectionResult {
  readonly leader: BrokerId;
  readonly unclean: boolean;
}

export class PartitionChangeBuilder {
  private targetIsr: readonly BrokerId[];
  private targetLeaderRecoveryState: LeaderRecoveryState;
  private election: Election = "ONLINE";

  constructor(
    private readonly partition: PartitionRegistration,
    private readonly topicId: TopicId,
    private readonly partitionId: number,
    /** Kafka LeaderAcceptor: registered, unfenced, not shutting down (see ReplicationControlManager). */
    private readonly isAcceptableLeader: (broker: BrokerId) => boolean,
  ) {
    this.targetIsr = partition.isr;
    this.targetLeaderRecoveryState = partition.leaderRecoveryState;
  }

  setTargetIsr(isr: readonly BrokerId[]): this {
    this.targetIsr = isr;
    return this;
  }

  setElection(election: Election): this {
    this.election = election;
    return this;
  }

  /** ONLINE becomes UNCLEAN when the topic allows unclean elections (Kafka §5.2, last bullet). */
  setUncleanLeaderElectionEnabled(enabled: boolean): this {
    if (enabled && this.election === "ONLINE") this.election = "UNCLEAN";
    return this;
  }

  setTargetLeaderRecoveryState(state: LeaderRecoveryState): this {
    this.targetLeaderRecoveryState = state;
    return this;
  }

  /** The change, or undefined when nothing would change (Kafka writes no record then). */
  build(): PartitionChangeRecord | undefined {
    const p = this.partition;
    const elected = this.electLeader();
    let isr = this.targetIsr;
    let recovery = this.targetLeaderRecoveryState;
    if (elected.unclean) {
      // Kafka §5.3: an unclean leader starts a fresh ISR of itself and is RECOVERING (KIP-704).
      isr = [elected.leader];
      recovery = "RECOVERING";
    }
    const leaderChanged = elected.leader !== p.leader;
    // With ELR off the ISR never becomes empty: an empty target leaves the ISR field out.
    const isrChanged = isr.length > 0 && !sameMembers(isr, p.isr);
    const recoveryChanged = recovery !== p.leaderRecoveryState;
    if (!leaderChanged && !isrChanged && !recoveryChanged) return undefined;
    return {
      type: "PartitionChangeRecord",
      topicId: this.topicId,
      partitionId: this.partitionId,
      ...(isrChanged ? { isr: [...isr] } : {}),
      ...(leaderChanged ? { leader: elected.leader } : {}),
      ...(recoveryChanged ? { leaderRecoveryState: recovery } : {}),
      ...(elected.unclean ? { uncleanElection: true as const } : {}),
    };
  }

  private isValidLeader(broker: BrokerId): boolean {
    return this.targetIsr.includes(broker) && this.isAcceptableLeader(broker);
  }

  /** Kafka PartitionChangeBuilder.electLeader (§5.2), with ELR off. */
  private electLeader(): ElectionResult {
    const p = this.partition;
    if (this.election === "PREFERRED") {
      const preferred = p.replicas[0];
      if (preferred !== undefined && this.isValidLeader(preferred)) return { leader: preferred, unclean: false };
    }
    if (p.leader !== NO_LEADER && this.isValidLeader(p.leader)) return { leader: p.leader, unclean: false };
    // Replica-assignment order, not ISR order, so the preferred replica wins when it can.
    const clean = p.replicas.find((r) => this.isValidLeader(r));
    if (clean !== undefined) return { leader: clean, unclean: false };
    if (this.election === "UNCLEAN") {
      const unclean = p.replicas.find((r) => this.isAcceptableLeader(r));
      if (unclean !== undefined) return { leader: unclean, unclean: true };
    }
    return { leader: NO_LEADER, unclean: false };
  }
}

/** ISR order matters for nothing in the protocol, but a reordering alone is not worth a record. */
function sameMembers(a: readonly BrokerId[], b: readonly BrokerId[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
