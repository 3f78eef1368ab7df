// The data-plane simulation's controller: one deterministic node that keeps the metadata log and
// applies Kafka's controller rules for the parts the partition core depends on (reference §2.5,
// §5.1-§5.6): broker registration with broker epochs, heartbeats and session expiry, fencing
// (remove from every ISR, move leaderships), unfencing (elect leaderless partitions),
// AlterPartition validation, and elections: clean from the ISR in replica order, unclean (when the
// topic allows it) from any live replica, recorded as unclean.
//
// It stands in for the controller quorum, which the Raft simulation covers: it never crashes, its
// log is committed the moment it is written, and brokers read it through their heartbeats. Its
// links can still be cut, delayed and lossy like any other. Called by `data-plane-simulation.ts`.

import { NO_LEADER, assert, brokerEpoch, leaderEpoch, partitionEpoch, type BrokerEpoch, type NodeId } from "@replog/common";
import type { AlterPartitionRequest, AlterPartitionResponse } from "@replog/broker/core";
import type { DataPlaneMessage, MetadataRecord, PartitionRegistration } from "./data-plane-messages.js";

export interface ControllerConfig {
  readonly brokers: readonly NodeId[];
  /** Replica assignment per partition (the preferred leader first). */
  readonly assignments: readonly (readonly NodeId[])[];
  /** Kafka: broker.session.timeout.ms. */
  readonly sessionTimeoutMs: number;
  /** Kafka: unclean.leader.election.enable, for the one topic. */
  readonly uncleanLeaderElection: boolean;
}

interface BrokerRegistration {
  readonly brokerEpoch: BrokerEpoch;
  /** The broker process life that registered (Kafka's incarnation id). */
  readonly incarnation: number;
  /** Offset of the register record: the broker is caught up once it has read past it. */
  readonly registrationOffset: number;
  fenced: boolean;
  lastHeartbeatMs: number;
}

/** One leader change as the controller decided it, for the checker. */
export interface ElectionRecord {
  readonly partition: number;
  readonly leader: NodeId;
  readonly leaderEpoch: number;
  readonly unclean: boolean;
  /** The ISR the election chose from (the target ISR of the change). */
  readonly targetIsr: readonly NodeId[];
}

type HeartbeatMessage = Extract<DataPlaneMessage, { type: "Heartbeat" }>;
type HeartbeatReply = Pick<Extract<DataPlaneMessage, { type: "HeartbeatResponse" }>, "error" | "brokerEpoch" | "fromOffset" | "records">;

export class SimController {
  readonly log: MetadataRecord[] = [];
  readonly elections: ElectionRecord[] = [];
  private readonly brokers = new Map<NodeId, BrokerRegistration>();
  private readonly partitions: PartitionRegistration[] = [];

  /** The bootstrap image: every broker registered and unfenced, every partition led by its preferred replica. */
  constructor(
    private readonly config: ControllerConfig,
    private readonly trace: (line: string) => void,
  ) {
    for (const broker of config.brokers) {
      this.brokers.set(broker, { brokerEpoch: brokerEpoch(BigInt(this.log.length)), incarnation: 0, registrationOffset: this.log.length, fenced: false, lastHeartbeatMs: 0 });
      this.log.push({ type: "register", broker, brokerEpoch: brokerEpoch(BigInt(this.log.length)) }, { type: "unfence", broker });
    }
    config.assignments.forEach((replicas, partition) => {
      const registration: PartitionRegistration = {
        partition, replicas, leader: replicas[0]!, leaderEpoch: leaderEpoch(0), partitionEpoch: partitionEpoch(0), isr: [...replicas], recovering: false,
      };
      this.partitions.push(registration);
      this.log.push({ type: "partition", registration, unclean: false });
      this.elections.push({ partition, leader: registration.leader, leaderEpoch: 0, unclean: false, targetIsr: replicas });
    });
  }

  partition(index: number): PartitionRegistration {
    return this.partitions[index]!;
  }

  get partitionCount(): number {
    return this.partitions.length;
  }

  brokerEpochOf(broker: NodeId): BrokerEpoch | undefined {
    return this.brokers.get(broker)?.brokerEpoch;
  }

  /** Kafka `ClusterControlManager.isActive`: registered and not fenced (no controlled shutdown here). */
  isActive(broker: NodeId): boolean {
    const registration = this.brokers.get(broker);
    return registration !== undefined && !registration.fenced;
  }

  // ---- heartbeats and registration ----

  handleHeartbeat(m: HeartbeatMessage, nowMs: number): HeartbeatReply {
    const registration = this.brokers.get(m.from);
    if (m.brokerEpoch < 0n) return this.register(m, registration, nowMs);
    if (registration === undefined || registration.brokerEpoch !== m.brokerEpoch) return this.reply(m, "STALE_BROKER_EPOCH", brokerEpoch(-1n));
    registration.lastHeartbeatMs = nowMs;
    // Kafka unfences a broker once its heartbeat shows it has caught up with the metadata log
    // past its own registration (BrokerHeartbeatManager, "caught up" check).
    if (registration.fenced && m.metadataOffset > registration.registrationOffset) this.unfence(m.from);
    return this.reply(m, "NONE", registration.brokerEpoch);
  }

  /**
   * Kafka `ClusterControlManager.registerBroker`: a new incarnation is refused while the old one
   * still has a valid session (DUPLICATE_BROKER_REGISTRATION; the broker retries), so a restarted
   * broker is first fenced and taken out of every ISR. The same incarnation registering again (a
   * duplicated message) gets its epoch back.
   */
  private register(m: HeartbeatMessage, existing: BrokerRegistration | undefined, nowMs: number): HeartbeatReply {
    if (existing !== undefined && existing.incarnation === m.life) return this.reply(m, "NONE", existing.brokerEpoch);
    if (existing !== undefined && !existing.fenced) {
      if (nowMs - existing.lastHeartbeatMs <= this.config.sessionTimeoutMs) return this.reply(m, "DUPLICATE_BROKER_REGISTRATION", brokerEpoch(-1n));
      this.fence(m.from, "session expired before re-registration");
    }
    // Kafka's broker epoch is the offset of the register record: unique and increasing.
    const epoch = brokerEpoch(BigInt(this.log.length));
    this.brokers.set(m.from, { brokerEpoch: epoch, incarnation: m.life, registrationOffset: this.log.length, fenced: true, lastHeartbeatMs: nowMs });
    this.write({ type: "register", broker: m.from, brokerEpoch: epoch });
    return this.reply(m, "NONE", epoch);
  }

  private reply(m: HeartbeatMessage, error: HeartbeatReply["error"], epoch: BrokerEpoch): HeartbeatReply {
    const fromOffset = Math.min(m.metadataOffset, this.log.length);
    return { error, brokerEpoch: epoch, fromOffset, records: this.log.slice(fromOffset) };
  }

  /** Kafka: the periodic session check; fences every unfenced broker silent for a whole session. */
  expireSessions(nowMs: number): void {
    for (const [broker, registration] of this.brokers) {
      if (!registration.fenced && nowMs - registration.lastHeartbeatMs > this.config.sessionTimeoutMs) this.fence(broker, "session expired");
    }
  }

  /** Kafka `handleBrokerFenced` (§5.6): out of every ISR, leaderships moved, then the fence record. */
  private fence(broker: NodeId, why: string): void {
    this.trace(`controller fences b${broker}: ${why}`);
    const registration = this.brokers.get(broker)!;
    registration.fenced = true;
    for (const p of this.partitions) {
      if (p.isr.includes(broker)) this.changePartition(p.partition, p.isr.filter((id) => id !== broker));
    }
    this.write({ type: "fence", broker });
  }

  /** Kafka `handleBrokerUnfenced` (§5.6): the unfence record, then elections for leaderless partitions. */
  private unfence(broker: NodeId): void {
    this.brokers.get(broker)!.fenced = false;
    this.write({ type: "unfence", broker });
    for (const p of this.partitions) if (p.leader === NO_LEADER) this.changePartition(p.partition, p.isr);
  }

  // ---- partition changes and elections ----

  /**
   * Kafka `PartitionChangeBuilder.build` for a target ISR: elect (§5.2), keep the ISR non-empty
   * (§5.3), bump the leader epoch on a leader change and the partition epoch on any change, and
   * write nothing when nothing changes.
   */
  private changePartition(index: number, targetIsr: readonly NodeId[]): void {
    const p = this.partitions[index]!;
    const election = this.electLeader(p, targetIsr);
    let isr = targetIsr.length > 0 ? sorted(targetIsr) : p.isr;
    if (election.unclean) isr = [election.leader];
    const leaderChanged = election.leader !== p.leader;
    if (!leaderChanged && sameIds(isr, p.isr)) return;
    const next: PartitionRegistration = {
      ...p,
      leader: election.leader,
      leaderEpoch: leaderEpoch(p.leaderEpoch + (leaderChanged ? 1 : 0)),
      partitionEpoch: partitionEpoch(p.partitionEpoch + 1),
      isr,
      recovering: election.unclean || p.recovering,
    };
    this.partitions[index] = next;
    if (leaderChanged && next.leader !== NO_LEADER) {
      this.elections.push({ partition: index, leader: next.leader, leaderEpoch: next.leaderEpoch, unclean: election.unclean, targetIsr });
    }
    this.write({ type: "partition", registration: next, unclean: election.unclean });
  }

  /**
   * Kafka `PartitionChangeBuilder.electLeader`, ONLINE/UNCLEAN: keep a still-valid leader; else
   * the first replica in assignment order that is in the target ISR and active; else, only with
   * unclean election on, the first active replica (unclean); else no leader.
   */
  private electLeader(p: PartitionRegistration, targetIsr: readonly NodeId[]): { leader: NodeId; unclean: boolean } {
    const valid = (id: NodeId): boolean => targetIsr.includes(id) && this.isActive(id);
    if (p.leader !== NO_LEADER && valid(p.leader)) return { leader: p.leader, unclean: false };
    const clean = p.replicas.find(valid);
    if (clean !== undefined) return { leader: clean, unclean: false };
    const unclean = this.config.uncleanLeaderElection ? p.replicas.find((id) => this.isActive(id)) : undefined;
    if (unclean !== undefined) return { leader: unclean, unclean: true };
    return { leader: NO_LEADER, unclean: false };
  }

  // ---- AlterPartition ----

  /** Kafka `ReplicationControlManager.alterPartition`, validation in Kafka's order (§2.5). */
  handleAlterPartition(from: NodeId, senderEpoch: BrokerEpoch, index: number, request: AlterPartitionRequest): AlterPartitionResponse {
    const sender = this.brokers.get(from);
    if (sender === undefined || sender.brokerEpoch !== senderEpoch) return { error: "STALE_BROKER_EPOCH" };
    const p = this.partitions[index];
    if (p === undefined) return { error: "UNKNOWN_TOPIC_OR_PARTITION" };
    if (request.leaderEpoch > p.leaderEpoch || request.partitionEpoch > p.partitionEpoch) return { error: "NOT_CONTROLLER" };
    if (request.leaderEpoch < p.leaderEpoch) return { error: "FENCED_LEADER_EPOCH" };
    if (p.leader !== from) return { error: "INVALID_REQUEST" };
    if (request.partitionEpoch < p.partitionEpoch) return { error: "INVALID_UPDATE_VERSION" };
    const newIsr = request.newIsrWithEpochs.map((member) => member.brokerId);
    if (new Set(newIsr).size !== newIsr.length || newIsr.some((id) => !p.replicas.includes(id)) || !newIsr.includes(from)) {
      return { error: "INVALID_REQUEST" };
    }
    for (const member of request.newIsrWithEpochs) {
      const registration = this.brokers.get(member.brokerId);
      const epochMismatch = member.brokerEpoch >= 0n && registration?.brokerEpoch !== member.brokerEpoch;
      if (registration === undefined || registration.fenced || epochMismatch) return { error: "INELIGIBLE_REPLICA" };
    }
    this.applyIsrChange(index, sorted(newIsr));
    const now = this.partitions[index]!;
    return { error: "NONE", leaderId: now.leader, leaderEpoch: now.leaderEpoch, isr: now.isr, partitionEpoch: now.partitionEpoch };
  }

  /** An accepted ISR change: the leader stays, RECOVERING ends (KIP-704); no record when nothing changes. */
  private applyIsrChange(index: number, isr: readonly NodeId[]): void {
    const p = this.partitions[index]!;
    assert(isr.includes(p.leader), "an AlterPartition ISR without its leader");
    if (sameIds(isr, p.isr) && !p.recovering) return;
    const next: PartitionRegistration = { ...p, isr, partitionEpoch: partitionEpoch(p.partitionEpoch + 1), recovering: false };
    this.partitions[index] = next;
    this.write({ type: "partition", registration: next, unclean: false });
  }

  private write(record: MetadataRecord): void {
    this.log.push(record);
  }
}

function sorted(ids: readonly NodeId[]): NodeId[] {
  return [...ids].sort((a, b) => a - b);
}

function sameIds(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
