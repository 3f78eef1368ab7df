// All of the controller's decisions in one pure object (the decide half of Kafka's
// QuorumController): it owns the managers, routes each committed record to the one that replays it,
// and combines them where one event touches several (a heartbeat that fences a broker also moves
// its leaderships). The shell (Raft driver, gRPC services) calls a handler, appends the records it
// returns as ONE metadata-log entry, and calls replay(record, index) for each record when that entry
// commits, on the active controller and on every standby alike.
//
// Contract with the shell: handlers read the replayed state only, so the shell must replay (or wait
// for the commit of) one result before it asks for the next; otherwise two results computed from
// the same state could contradict each other (Kafka avoids this by applying records speculatively).

import { type BrokerEpoch, type BrokerId, type LogIndex, type Random, unreachable } from "@replog/common";
import type { MetadataRecord } from "@replog/metadata";
import type { AlterPartitionRequest, AlterPartitionResponse } from "./alter-partition.js";
import {
  ClusterControlManager,
  type BrokerHeartbeatRequest,
  type BrokerHeartbeatResponse,
  type BrokerRegistrationRequest,
} from "./cluster-control-manager.js";
import { ConfigurationControlManager, type AlterConfigsResource, type AlterConfigsResult } from "./configuration-control-manager.js";
import { apiError, type ApiError } from "./controller-errors.js";
import { controllerResult, type ControllerResult } from "./controller-result.js";
import { ProducerIdControlManager, type ProducerIdsBlock } from "./producer-id-control-manager.js";
import { ReplicationControlManager, type ReplicationControlOptions } from "./replication-control-manager.js";
import type {
  CreatableTopic,
  CreatableTopicResult,
  CreatePartitionsTopic,
  CreatePartitionsTopicResult,
  DeletableTopic,
  DeletableTopicResult,
  ElectionType,
  ElectLeadersResult,
  TopicPartition,
} from "./topic-requests.js";

export interface ControllerCoreOptions extends ReplicationControlOptions {
  readonly clusterId: string;
  /** Kafka broker.session.timeout.ms (9000). */
  readonly brokerSessionTimeoutMs?: number;
  /** Topic-level names with this cluster's server.properties values (see ConfigurationControlManager). */
  readonly staticTopicDefaults?: Readonly<Record<string, string>>;
  readonly random: Random;
}

export class ControllerCore {
  readonly cluster: ClusterControlManager;
  readonly configs: ConfigurationControlManager;
  readonly replication: ReplicationControlManager;
  readonly producerIds: ProducerIdControlManager;
  private readonly features = new Map<string, number>();

  constructor(options: ControllerCoreOptions) {
    this.cluster = new ClusterControlManager(options.clusterId, options.brokerSessionTimeoutMs);
    this.configs = new ConfigurationControlManager(options.staticTopicDefaults);
    this.replication = new ReplicationControlManager(this.cluster, this.configs, options.random, options);
    this.producerIds = new ProducerIdControlManager(this.cluster);
  }

  /** Applies one committed record; `index` is the metadata-log index of the entry that holds it. */
  replay(record: MetadataRecord, index: LogIndex): void {
    switch (record.type) {
      case "RegisterBrokerRecord":
        return this.cluster.replayRegister(record, index);
      case "UnregisterBrokerRecord":
        return this.cluster.replayUnregister(record);
      case "BrokerRegistrationChangeRecord":
        return this.cluster.replayChange(record, index);
      case "TopicRecord":
      case "PartitionRecord":
      case "PartitionChangeRecord":
        return this.replication.replay(record);
      case "RemoveTopicRecord": {
        const name = this.replication.topicName(record.topicId);
        this.replication.replay(record);
        return this.configs.deleteTopicConfigs(name!);
      }
      case "ConfigRecord":
        return this.configs.replay(record);
      case "ProducerIdsRecord":
        return this.producerIds.replay(record);
      case "FeatureLevelRecord":
        if (record.featureLevel === 0) this.features.delete(record.name);
        else this.features.set(record.name, record.featureLevel);
        return;
      case "NoOpRecord":
        return;
      default:
        return unreachable(record, "metadata record");
    }
  }

  featureLevel(name: string): number {
    return this.features.get(name) ?? 0;
  }

  // --- brokers --------------------------------------------------------------------------------

  /**
   * A new incarnation of a known broker first leaves every ISR (its unflushed data may be gone),
   * as Kafka's handleBrokerUncleanShutdown does; then it registers fenced with a new epoch.
   */
  registerBroker(
    req: BrokerRegistrationRequest,
    nowMs: number,
    nextWriteIndex: LogIndex,
  ): ControllerResult<{ readonly brokerEpoch: BrokerEpoch } | { readonly error: ApiError }> {
    const outcome = this.cluster.registerBroker(req, nowMs, nextWriteIndex);
    if ("error" in outcome) return controllerResult([], { error: outcome.error });
    if (outcome.record === undefined) return controllerResult([], { brokerEpoch: outcome.brokerEpoch });
    const cleanup = outcome.replacesIncarnation ? this.replication.handleBrokerFenced(req.brokerId) : [];
    return controllerResult([...cleanup, outcome.record], { brokerEpoch: outcome.brokerEpoch });
  }

  /** Kafka processBrokerHeartbeat: decide the broker's next state and write what it takes. */
  brokerHeartbeat(req: BrokerHeartbeatRequest, nowMs: number): ControllerResult<BrokerHeartbeatResponse | { readonly error: ApiError }> {
    const registration = this.cluster.checkHeartbeat(req, nowMs);
    if ("error" in registration) return controllerResult([], { error: registration });
    const broker = req.brokerId;
    const next = this.cluster.calculateNextBrokerState(registration, req, this.replication.leadsAnyPartition(broker));
    const records: MetadataRecord[] = [];
    switch (next) {
      case "FENCED":
      case "SHUTDOWN_NOW":
        if (!registration.fenced) records.push(...this.replication.handleBrokerFenced(broker), this.cluster.fenceRecord(registration));
        break;
      case "UNFENCED":
        if (registration.fenced) records.push(this.cluster.unfenceRecord(registration), ...this.replication.handleBrokerUnfenced(broker));
        break;
      case "CONTROLLED_SHUTDOWN": {
        const marker = this.cluster.controlledShutdownRecord(registration);
        if (marker !== undefined) records.push(marker);
        records.push(...this.replication.handleBrokerInControlledShutdown(broker));
        break;
      }
      default:
        unreachable(next, "broker state");
    }
    const response: BrokerHeartbeatResponse = {
      isCaughtUp: this.cluster.isCaughtUp(broker, req.currentMetadataOffset),
      isFenced: next === "FENCED" || next === "SHUTDOWN_NOW",
      shouldShutDown: next === "SHUTDOWN_NOW",
    };
    return controllerResult(records, response);
  }

  /**
   * Fences at most one broker whose session expired (Kafka maybeFenceOneStaleBroker): its records
   * must be replayed before the next is computed, so the shell calls this again after the commit.
   */
  maybeFenceOneStaleBroker(nowMs: number): ControllerResult<BrokerId | undefined> {
    const stale = this.cluster.findOneStaleBroker(nowMs);
    if (stale === undefined) return controllerResult([], undefined);
    const records = [...this.replication.handleBrokerFenced(stale.brokerId), this.cluster.fenceRecord(stale)];
    return controllerResult(records, stale.brokerId);
  }

  unregisterBroker(brokerId: BrokerId): ControllerResult<{ readonly error?: ApiError }> {
    const registration = this.cluster.registration(brokerId);
    if (registration === undefined) return controllerResult([], { error: apiError("BROKER_ID_NOT_REGISTERED", `Broker ${brokerId} is not registered`) });
    const records: MetadataRecord[] = [
      ...this.replication.handleBrokerUnregistered(brokerId),
      { type: "UnregisterBrokerRecord", brokerId, brokerEpoch: registration.brokerEpoch },
    ];
    return controllerResult(records, {});
  }

  /** This node just became the active controller: every broker gets a fresh session. */
  onNewActiveController(nowMs: number): void {
    this.cluster.onNewActiveController(nowMs);
  }

  // --- topics, partitions, configs, producer ids -------------------------------------------------

  createTopics(topics: readonly CreatableTopic[]): ControllerResult<CreatableTopicResult[]> {
    return this.replication.createTopics(topics);
  }

  deleteTopics(topics: readonly DeletableTopic[]): ControllerResult<DeletableTopicResult[]> {
    return this.replication.deleteTopics(topics);
  }

  createPartitions(topics: readonly CreatePartitionsTopic[]): ControllerResult<CreatePartitionsTopicResult[]> {
    return this.replication.createPartitions(topics);
  }

  alterPartition(request: AlterPartitionRequest): ControllerResult<AlterPartitionResponse> {
    return this.replication.alterPartition(request);
  }

  electLeaders(type: ElectionType, partitions?: readonly TopicPartition[]): ControllerResult<ElectLeadersResult[]> {
    return this.replication.electLeaders(type, partitions);
  }

  incrementalAlterConfigs(resources: readonly AlterConfigsResource[]): ControllerResult<AlterConfigsResult[]> {
    return this.configs.incrementalAlterConfigs(resources, (name) => this.replication.topicId(name) !== undefined);
  }

  allocateProducerIds(brokerId: BrokerId, brokerEpoch: BrokerEpoch): ControllerResult<ProducerIdsBlock | { readonly error: ApiError }> {
    return this.producerIds.generateNextProducerId(brokerId, brokerEpoch);
  }

  /** Kafka writes one every metadata.max.idle.interval.ms so the log and its HW keep moving. */
  noOp(): ControllerResult<void> {
    return controllerResult([{ type: "NoOpRecord" }], undefined);
  }
}
