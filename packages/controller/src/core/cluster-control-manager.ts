// Broker registrations on the controller (Kafka ClusterControlManager): who is registered, with
// which broker epoch, fenced or not, in controlled shutdown or not; and the decision of each
// heartbeat (calculateNextBrokerState, reference §6.11, §5.7). Registration and heartbeats return
// records; only replay() changes the registrations. Sessions are the heartbeat manager's soft state.
// ControllerCore combines these decisions with ReplicationControlManager's partition changes.

import { assert, brokerEpoch, type BrokerEpoch, type BrokerId, type LogIndex } from "@replog/common";
import {
  brokerFromRecord,
  isActiveBroker,
  type BrokerRegistration,
  type BrokerRegistrationChangeRecord,
  type Endpoint,
  type IncarnationId,
  type RegisterBrokerRecord,
  type UnregisterBrokerRecord,
} from "@replog/metadata";
import { BrokerHeartbeatManager, type BrokerControlState } from "./broker-heartbeat-manager.js";
import { apiError, type ApiError } from "./controller-errors.js";

export interface BrokerRegistrationRequest {
  readonly brokerId: BrokerId;
  readonly clusterId: string;
  readonly incarnationId: IncarnationId;
  readonly endpoints: readonly Endpoint[];
  readonly rack: string | null;
}

export interface BrokerHeartbeatRequest {
  readonly brokerId: BrokerId;
  readonly brokerEpoch: BrokerEpoch;
  /** The highest metadata-log index the broker has replayed. */
  readonly currentMetadataOffset: LogIndex;
  readonly wantFence: boolean;
  readonly wantShutDown: boolean;
}

export interface BrokerHeartbeatResponse {
  readonly isCaughtUp: boolean;
  readonly isFenced: boolean;
  readonly shouldShutDown: boolean;
}

export class ClusterControlManager {
  /** Replayed state: the registrations in the metadata log. */
  private readonly brokers = new Map<BrokerId, BrokerRegistration>();
  /** Replayed: the log index of each broker's RegisterBrokerRecord (it may unfence once it has read it). */
  private readonly registerIndex = new Map<BrokerId, LogIndex>();
  /** Replayed: the log index of the batch that put a broker into controlled shutdown. */
  private readonly controlledShutdownIndex = new Map<BrokerId, LogIndex>();
  /** Invariant: at least every broker epoch ever replayed, so new epochs only grow. */
  private highestBrokerEpoch = 0n;
  readonly heartbeats: BrokerHeartbeatManager;

  constructor(
    readonly clusterId: string,
    sessionTimeoutMs?: number,
  ) {
    this.heartbeats = new BrokerHeartbeatManager(sessionTimeoutMs);
  }

  // --- replay -------------------------------------------------------------------------------

  /** `index` is the metadata-log index of the entry holding the record. */
  replayRegister(record: RegisterBrokerRecord, index: LogIndex): void {
    this.brokers.set(record.brokerId, brokerFromRecord(record));
    this.registerIndex.set(record.brokerId, index);
    this.controlledShutdownIndex.delete(record.brokerId);
    if (record.brokerEpoch > this.highestBrokerEpoch) this.highestBrokerEpoch = record.brokerEpoch;
  }

  replayUnregister(record: UnregisterBrokerRecord): void {
    const current = this.brokers.get(record.brokerId);
    assert(current?.brokerEpoch === record.brokerEpoch, `UnregisterBrokerRecord for broker ${record.brokerId} at a stale epoch`);
    this.brokers.delete(record.brokerId);
    this.registerIndex.delete(record.brokerId);
    this.controlledShutdownIndex.delete(record.brokerId);
    this.heartbeats.remove(record.brokerId);
  }

  replayChange(record: BrokerRegistrationChangeRecord, index: LogIndex): void {
    const current = this.brokers.get(record.brokerId);
    assert(current?.brokerEpoch === record.brokerEpoch, `BrokerRegistrationChangeRecord for broker ${record.brokerId} at a stale epoch`);
    if (record.inControlledShutdown === true && !current.inControlledShutdown) this.controlledShutdownIndex.set(record.brokerId, index);
    this.brokers.set(record.brokerId, {
      ...current,
      fenced: record.fenced ?? current.fenced,
      inControlledShutdown: record.inControlledShutdown ?? current.inControlledShutdown,
    });
  }

  // --- queries ------------------------------------------------------------------------------

  registration(broker: BrokerId): BrokerRegistration | undefined {
    return this.brokers.get(broker);
  }

  registrations(): BrokerRegistration[] {
    return [...this.brokers.values()].sort((a, b) => a.brokerId - b.brokerId);
  }

  /** Kafka isActive: registered, unfenced, not in controlled shutdown. May lead; may be in an ISR. */
  isActive(broker: BrokerId): boolean {
    return isActiveBroker(this.brokers.get(broker));
  }

  /** Brokers that may host new replicas, ascending. */
  activeBrokerIds(): BrokerId[] {
    return this.registrations()
      .filter((b) => isActiveBroker(b))
      .map((b) => b.brokerId);
  }

  // --- registration ---------------------------------------------------------------------------

  /**
   * Kafka registerBroker (§6.11). A new incarnation gets a new broker epoch and registers fenced.
   * The epoch is the log index its record will get (`nextWriteIndex`, from the shell), raised if
   * needed so that epochs only grow. The same incarnation again keeps its epoch and writes nothing.
   */
  registerBroker(
    req: BrokerRegistrationRequest,
    nowMs: number,
    nextWriteIndex: LogIndex,
  ): { readonly record?: RegisterBrokerRecord; readonly brokerEpoch: BrokerEpoch; readonly replacesIncarnation: boolean } | { readonly error: ApiError } {
    if (req.clusterId !== this.clusterId) {
      return { error: apiError("INCONSISTENT_CLUSTER_ID", `Expected cluster id ${this.clusterId}, but got ${req.clusterId}`) };
    }
    const existing = this.brokers.get(req.brokerId);
    if (existing !== undefined && existing.incarnationId === req.incarnationId) {
      this.heartbeats.touch(req.brokerId, nowMs);
      return { brokerEpoch: existing.brokerEpoch, replacesIncarnation: false };
    }
    if (existing !== undefined && !existing.fenced && this.heartbeats.hasValidSession(req.brokerId, nowMs)) {
      return {
        error: apiError(
          "DUPLICATE_BROKER_REGISTRATION",
          `Another broker is registered with that broker id (${req.brokerId}, incarnation ${existing.incarnationId}) and its session is live`,
        ),
      };
    }
    const epoch = brokerEpoch(BigInt(nextWriteIndex) > this.highestBrokerEpoch ? BigInt(nextWriteIndex) : this.highestBrokerEpoch + 1n);
    const record: RegisterBrokerRecord = {
      type: "RegisterBrokerRecord",
      brokerId: req.brokerId,
      incarnationId: req.incarnationId,
      brokerEpoch: epoch,
      endpoints: req.endpoints.map((e) => ({ ...e })),
      rack: req.rack,
      fenced: true,
      inControlledShutdown: false,
    };
    this.heartbeats.touch(req.brokerId, nowMs);
    return { record, brokerEpoch: epoch, replacesIncarnation: existing !== undefined };
  }

  // --- heartbeats -----------------------------------------------------------------------------

  /** Checks a heartbeat's broker and epoch; touches the session when they are right. */
  checkHeartbeat(req: BrokerHeartbeatRequest, nowMs: number): BrokerRegistration | ApiError {
    const registration = this.brokers.get(req.brokerId);
    if (registration === undefined) return apiError("BROKER_ID_NOT_REGISTERED", `Broker ${req.brokerId} is not registered`);
    if (registration.brokerEpoch !== req.brokerEpoch) {
      return apiError("STALE_BROKER_EPOCH", `Broker ${req.brokerId} epoch ${req.brokerEpoch} is not the registered epoch ${registration.brokerEpoch}`);
    }
    this.heartbeats.touch(req.brokerId, nowMs, req.currentMetadataOffset);
    return registration;
  }

  currentState(broker: BrokerRegistration): BrokerControlState {
    return broker.fenced ? "FENCED" : broker.inControlledShutdown ? "CONTROLLED_SHUTDOWN" : "UNFENCED";
  }

  /** Kafka: caught up once it has replayed its own RegisterBrokerRecord. */
  isCaughtUp(broker: BrokerId, currentMetadataOffset: LogIndex): boolean {
    const index = this.registerIndex.get(broker);
    return index !== undefined && currentMetadataOffset >= index;
  }

  /** Kafka BrokerHeartbeatManager.calculateNextBrokerState (reference §6.11, §5.7). */
  calculateNextBrokerState(registration: BrokerRegistration, req: BrokerHeartbeatRequest, leadsAnyPartition: boolean): BrokerControlState {
    switch (this.currentState(registration)) {
      case "FENCED":
        // A broker told to shut down after a controlled shutdown must re-register (a new incarnation
        // clears the flag) before it may come back; Kafka would unfence it here while it still says
        // inControlledShutdown, and then elect it leader (found by controller-core.property.test).
        if (req.wantShutDown || registration.inControlledShutdown) return "SHUTDOWN_NOW";
        return !req.wantFence && this.isCaughtUp(req.brokerId, req.currentMetadataOffset) ? "UNFENCED" : "FENCED";
      case "UNFENCED":
        if (req.wantFence) return req.wantShutDown ? "SHUTDOWN_NOW" : "FENCED";
        if (req.wantShutDown) return leadsAnyPartition ? "CONTROLLED_SHUTDOWN" : "SHUTDOWN_NOW";
        return "UNFENCED";
      default:
        return this.nextFromControlledShutdown(req, leadsAnyPartition);
    }
  }

  private nextFromControlledShutdown(req: BrokerHeartbeatRequest, leadsAnyPartition: boolean): BrokerControlState {
    // Kafka ignores a change of mind: once in controlled shutdown, the broker goes down.
    if (leadsAnyPartition) return "CONTROLLED_SHUTDOWN";
    const shutdownIndex = this.controlledShutdownIndex.get(req.brokerId);
    // Every broker that may lead must already have seen the records that moved the leaderships.
    const lowest = this.heartbeats.lowestMetadataOffset(this.activeBrokerIds());
    return shutdownIndex === undefined || lowest >= shutdownIndex ? "SHUTDOWN_NOW" : "CONTROLLED_SHUTDOWN";
  }

  fenceRecord(broker: BrokerRegistration): BrokerRegistrationChangeRecord {
    return { type: "BrokerRegistrationChangeRecord", brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch, fenced: true };
  }

  unfenceRecord(broker: BrokerRegistration): BrokerRegistrationChangeRecord {
    return { type: "BrokerRegistrationChangeRecord", brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch, fenced: false };
  }

  controlledShutdownRecord(broker: BrokerRegistration): BrokerRegistrationChangeRecord | undefined {
    if (broker.inControlledShutdown) return undefined;
    return { type: "BrokerRegistrationChangeRecord", brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch, inControlledShutdown: true };
  }

  /** Kafka maybeFenceOneStaleBroker: at most one per call, so each fencing is replayed before the next. */
  findOneStaleBroker(nowMs: number): BrokerRegistration | undefined {
    const unfenced = this.registrations()
      .filter((b) => !b.fenced)
      .map((b) => b.brokerId);
    const stale = this.heartbeats.findOneStaleBroker(unfenced, nowMs);
    return stale === undefined ? undefined : this.brokers.get(stale);
  }

  /** A new active controller gives every registered broker a fresh session (no fencing). */
  onNewActiveController(nowMs: number): void {
    this.heartbeats.reset(this.brokers.keys(), nowMs);
  }
}
