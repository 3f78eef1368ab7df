// Topics, partitions, ISRs and leaders on the controller (Kafka ReplicationControlManager).
// Handlers compute records (ControllerResult) from the replayed state and never change it; only
// replay() does, on every controller in log order. Leaders are elected by PartitionChangeBuilder.
//
// Scale note: lookups by broker scan all partitions (Kafka keeps a BrokersToIsrs index). That is
// O(partitions) per broker event, fine for the cluster sizes replog runs.

import { assert, leaderEpoch, partitionEpoch, unreachable, type BrokerId, type Random } from "@replog/common";
import {
  mergePartitionChange,
  partitionFromRecord,
  topicId as toTopicId,
  type MetadataRecord,
  type PartitionChangeRecord,
  type PartitionRecord,
  type PartitionRegistration,
  type RemoveTopicRecord,
  type TopicId,
  type TopicRecord,
} from "@replog/metadata";
import {
  validateAlterPartitionData,
  type AlterPartitionPartitionData,
  type AlterPartitionPartitionResult,
  type AlterPartitionRequest,
  type AlterPartitionResponse,
} from "./alter-partition.js";
import type { ClusterControlManager } from "./cluster-control-manager.js";
import type { ConfigurationControlManager } from "./configuration-control-manager.js";
import { apiError, type ApiError } from "./controller-errors.js";
import { controllerResult, type ControllerResult } from "./controller-result.js";
import { PartitionChangeBuilder, type Election } from "./partition-change-builder.js";
import { placeReplicas } from "./replica-placement.js";
import { duplicateKeys } from "./request-duplicates.js";
import { topicNameProblem, unifyCollisionChars } from "./topic-name.js";
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

/** Kafka MAX_ELECTIONS_PER_IMBALANCE: preferred elections per balancing run. */
export const ELECTIONS_PER_BALANCE_MAX = 1000;
/** A bound on partitions created by one request, so one call cannot write an unbounded batch. */
export const PARTITIONS_PER_REQUEST_MAX = 10_000;

export interface ReplicationControlOptions {
  /** Kafka num.partitions. */
  readonly defaultNumPartitions?: number;
  /** Kafka default.replication.factor. */
  readonly defaultReplicationFactor?: number;
}

interface TopicControlInfo {
  readonly name: string;
  readonly id: TopicId;
  readonly partitions: Map<number, PartitionRegistration>;
}

export class ReplicationControlManager {
  private readonly topics = new Map<TopicId, TopicControlInfo>();
  /** Invariant: the same topics as `topics`, by name. */
  private readonly topicsByName = new Map<string, TopicId>();
  private readonly defaultNumPartitions: number;
  private readonly defaultReplicationFactor: number;

  constructor(
    private readonly cluster: ClusterControlManager,
    private readonly configs: ConfigurationControlManager,
    /** Draws topic ids; the shell passes a seeded or real Random. */
    private readonly random: Random,
    options: ReplicationControlOptions = {},
  ) {
    this.defaultNumPartitions = options.defaultNumPartitions ?? 1;
    this.defaultReplicationFactor = options.defaultReplicationFactor ?? 1;
  }

  // --- replay -------------------------------------------------------------------------------

  replay(record: TopicRecord | PartitionRecord | PartitionChangeRecord | RemoveTopicRecord): void {
    switch (record.type) {
      case "TopicRecord":
        assert(!this.topics.has(record.topicId) && !this.topicsByName.has(record.name), `TopicRecord for existing topic ${record.name}`);
        this.topics.set(record.topicId, { name: record.name, id: record.topicId, partitions: new Map() });
        this.topicsByName.set(record.name, record.topicId);
        return;
      case "PartitionRecord":
        this.topicOrCrash(record.topicId).partitions.set(record.partitionId, partitionFromRecord(record));
        return;
      case "PartitionChangeRecord": {
        const partitions = this.topicOrCrash(record.topicId).partitions;
        const current = partitions.get(record.partitionId);
        assert(current !== undefined, `PartitionChangeRecord for unknown partition ${record.topicId}-${record.partitionId}`);
        partitions.set(record.partitionId, mergePartitionChange(current, record));
        return;
      }
      case "RemoveTopicRecord": {
        const topic = this.topicOrCrash(record.topicId);
        this.topics.delete(topic.id);
        this.topicsByName.delete(topic.name);
        return;
      }
      default:
        unreachable(record, "replication record");
    }
  }

  private topicOrCrash(id: TopicId): TopicControlInfo {
    const topic = this.topics.get(id);
    assert(topic !== undefined, `record for unknown topic id ${id}`);
    return topic;
  }

  // --- queries ------------------------------------------------------------------------------

  topicId(name: string): TopicId | undefined {
    return this.topicsByName.get(name);
  }

  topicName(id: TopicId): string | undefined {
    return this.topics.get(id)?.name;
  }

  partition(id: TopicId, partitionId: number): PartitionRegistration | undefined {
    return this.topics.get(id)?.partitions.get(partitionId);
  }

  partitionCount(id: TopicId): number {
    return this.topics.get(id)?.partitions.size ?? 0;
  }

  topicNames(): string[] {
    return [...this.topicsByName.keys()].sort();
  }

  leadsAnyPartition(broker: BrokerId): boolean {
    for (const { p } of this.allPartitions()) if (p.leader === broker) return true;
    return false;
  }

  private *allPartitions(): Generator<{ topic: TopicControlInfo; partitionId: number; p: PartitionRegistration }> {
    for (const topic of this.topics.values()) {
      for (const [partitionId, p] of topic.partitions) yield { topic, partitionId, p };
    }
  }

  // --- CreateTopics ---------------------------------------------------------------------------

  createTopics(requests: readonly CreatableTopic[]): ControllerResult<CreatableTopicResult[]> {
    const records: MetadataRecord[] = [];
    const duplicates = duplicateKeys(requests, (r) => r.name);
    const created = new Set<string>();
    const results = requests.map((request): CreatableTopicResult => {
      if (duplicates.has(request.name)) return { name: request.name, error: apiError("INVALID_REQUEST", `Duplicate topic name ${request.name} in the request`) };
      const outcome = this.createTopic(request, created);
      if ("error" in outcome) return { name: request.name, error: outcome.error };
      records.push(...outcome.records);
      created.add(unifyCollisionChars(request.name));
      return outcome.result;
    });
    return controllerResult(records, results);
  }

  private createTopic(request: CreatableTopic, createdInBatch: ReadonlySet<string>): { records: MetadataRecord[]; result: CreatableTopicResult } | { error: ApiError } {
    const { name } = request;
    const nameProblem = topicNameProblem(name);
    if (nameProblem !== undefined) return { error: apiError("INVALID_TOPIC_EXCEPTION", nameProblem) };
    if (this.topicsByName.has(name)) return { error: apiError("TOPIC_ALREADY_EXISTS", `Topic '${name}' already exists.`) };
    const unified = unifyCollisionChars(name);
    const collision = this.topicNames().find((t) => unifyCollisionChars(t) === unified);
    if (collision !== undefined || createdInBatch.has(unified)) {
      return { error: apiError("INVALID_TOPIC_EXCEPTION", `Topic '${name}' collides with existing topic: ${collision ?? "another topic in this request"}`) };
    }
    const configError = this.configs.validateTopicConfigs(request.configs ?? {});
    if (configError !== undefined) return { error: configError };
    const assignment = this.assignmentFor(request);
    if ("error" in assignment) return assignment;
    const id = this.newTopicId();
    const records: MetadataRecord[] = [{ type: "TopicRecord", name, topicId: id }, ...this.configs.topicConfigRecords(name, request.configs ?? {})];
    assignment.replicas.forEach((replicas, partitionId) => records.push(this.newPartitionRecord(id, partitionId, replicas)));
    const result = { name, topicId: id, numPartitions: assignment.replicas.length, replicationFactor: assignment.replicas[0]!.length };
    return { records, result };
  }

  /** Explicit assignments are checked; otherwise replicas are placed on the active brokers. */
  private assignmentFor(request: CreatableTopic): { replicas: BrokerId[][] } | { error: ApiError } {
    if (request.assignments !== undefined) {
      if ((request.numPartitions ?? -1) !== -1 || (request.replicationFactor ?? -1) !== -1) {
        return { error: apiError("INVALID_REQUEST", "A topic with manual partition assignments must have numPartitions and replicationFactor -1") };
      }
      const problem = this.assignmentProblem(request.assignments, 0);
      return problem === undefined ? { replicas: request.assignments.map((r) => [...r]) } : { error: problem };
    }
    const numPartitions = request.numPartitions === undefined || request.numPartitions === -1 ? this.defaultNumPartitions : request.numPartitions;
    const replicationFactor = request.replicationFactor === undefined || request.replicationFactor === -1 ? this.defaultReplicationFactor : request.replicationFactor;
    if (numPartitions < 1) return { error: apiError("INVALID_PARTITIONS", "Number of partitions was set to an invalid non-positive value.") };
    if (numPartitions > PARTITIONS_PER_REQUEST_MAX) return { error: apiError("INVALID_PARTITIONS", `Number of partitions ${numPartitions} is above the limit of ${PARTITIONS_PER_REQUEST_MAX}.`) };
    if (replicationFactor < 1) return { error: apiError("INVALID_REPLICATION_FACTOR", "Replication factor must be larger than 0, or -1 to use the default value.") };
    return this.place(numPartitions, replicationFactor, 0);
  }

  private place(partitions: number, replicationFactor: number, firstPartitionId: number): { replicas: BrokerId[][] } | { error: ApiError } {
    const brokers = this.cluster.activeBrokerIds();
    if (replicationFactor > brokers.length) {
      return {
        error: apiError(
          "INVALID_REPLICATION_FACTOR",
          `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only ${brokers.length} broker(s) are registered and unfenced.`,
        ),
      };
    }
    const startIndex = this.random.int(brokers.length);
    const replicaShift = this.random.int(brokers.length);
    return { replicas: placeReplicas({ brokers, partitions, replicationFactor, startIndex, replicaShift, firstPartitionId }) };
  }

  /** Kafka validateManualPartitionAssignment, plus "at least one replica is active". */
  private assignmentProblem(assignments: readonly (readonly BrokerId[])[], firstPartitionId: number): ApiError | undefined {
    if (assignments.length === 0) return apiError("INVALID_REPLICA_ASSIGNMENT", "The manual partition assignment is empty.");
    if (assignments.length > PARTITIONS_PER_REQUEST_MAX) return apiError("INVALID_PARTITIONS", `Number of partitions is above the limit of ${PARTITIONS_PER_REQUEST_MAX}.`);
    for (const [i, replicas] of assignments.entries()) {
      const partitionId = firstPartitionId + i;
      if (replicas.length === 0) return apiError("INVALID_REPLICA_ASSIGNMENT", `The manual partition assignment of partition ${partitionId} is empty.`);
      if (replicas.length !== assignments[0]!.length) return apiError("INVALID_REPLICA_ASSIGNMENT", "All partitions must have the same number of replicas.");
      if (new Set(replicas).size !== replicas.length) return apiError("INVALID_REPLICA_ASSIGNMENT", `The manual partition assignment of partition ${partitionId} contains duplicate broker ids.`);
      const unknown = replicas.find((b) => this.cluster.registration(b) === undefined);
      if (unknown !== undefined) return apiError("INVALID_REPLICA_ASSIGNMENT", `The manual partition assignment includes broker ${unknown}, but no such broker is registered.`);
      if (!replicas.some((b) => this.cluster.isActive(b))) {
        return apiError("INVALID_REPLICATION_FACTOR", `Unable to replicate partition ${partitionId}: all brokers specified in the partition assignment are currently fenced or shutting down.`);
      }
    }
    return undefined;
  }

  /** A new partition: ISR = its active replicas, leader = the first of them (replica order). */
  private newPartitionRecord(id: TopicId, partitionId: number, replicas: readonly BrokerId[]): PartitionRecord {
    const isr = replicas.filter((b) => this.cluster.isActive(b));
    assert(isr.length > 0, "a new partition has an active replica");
    return {
      type: "PartitionRecord", topicId: id, partitionId, replicas: [...replicas], isr, leader: isr[0]!,
      leaderRecoveryState: "RECOVERED", leaderEpoch: leaderEpoch(0), partitionEpoch: partitionEpoch(0),
    };
  }

  /** 16 random bytes in Kafka's printed Uuid form (base64url, no padding), never an existing id. */
  private newTopicId(): TopicId {
    for (;;) {
      const bytes = Array.from({ length: 16 }, () => this.random.int(256));
      const id = toTopicId(base64Url(bytes));
      // Kafka reserves the all-zero Uuid and the metadata topic's id (0…01).
      if (bytes.slice(0, 15).every((b) => b === 0) && bytes[15]! <= 1) continue;
      if (!this.topics.has(id)) return id;
    }
  }

  // --- DeleteTopics and CreatePartitions -----------------------------------------------------

  deleteTopics(requests: readonly DeletableTopic[]): ControllerResult<DeletableTopicResult[]> {
    const records: RemoveTopicRecord[] = [];
    const removed = new Set<TopicId>();
    const results = requests.map((r): DeletableTopicResult => {
      const id = r.topicId ?? (r.name === undefined ? undefined : this.topicsByName.get(r.name));
      if (id === undefined || !this.topics.has(id)) {
        const error = r.topicId !== undefined ? apiError("UNKNOWN_TOPIC_ID", `Topic id ${r.topicId} does not exist`) : apiError("UNKNOWN_TOPIC_OR_PARTITION", `Topic ${r.name ?? ""} does not exist`);
        return { ...r, error };
      }
      if (removed.has(id)) return { ...r, error: apiError("INVALID_REQUEST", `Topic ${this.topics.get(id)!.name} is named twice in the request`) };
      removed.add(id);
      records.push({ type: "RemoveTopicRecord", topicId: id });
      return { name: this.topics.get(id)!.name, topicId: id };
    });
    return controllerResult(records, results);
  }

  createPartitions(requests: readonly CreatePartitionsTopic[]): ControllerResult<CreatePartitionsTopicResult[]> {
    const records: PartitionRecord[] = [];
    const duplicates = duplicateKeys(requests, (r) => r.name);
    const results = requests.map((r): CreatePartitionsTopicResult => {
      if (duplicates.has(r.name)) return { name: r.name, error: apiError("INVALID_REQUEST", `Topic ${r.name} is named more than once in the request`) };
      const outcome = this.createPartitionsFor(r);
      if ("error" in outcome) return { name: r.name, error: outcome.error };
      records.push(...outcome.records);
      return { name: r.name };
    });
    return controllerResult(records, results);
  }

  private createPartitionsFor(r: CreatePartitionsTopic): { records: PartitionRecord[] } | { error: ApiError } {
    const id = this.topicsByName.get(r.name);
    if (id === undefined) return { error: apiError("UNKNOWN_TOPIC_OR_PARTITION", `Topic ${r.name} does not exist`) };
    const current = this.partitionCount(id);
    if (r.count === current) return { error: apiError("INVALID_PARTITIONS", `Topic already has ${current} partition(s).`) };
    if (r.count < current) return { error: apiError("INVALID_PARTITIONS", `The topic ${r.name} currently has ${current} partition(s); ${r.count} would not be an increase.`) };
    if (r.count - current > PARTITIONS_PER_REQUEST_MAX) return { error: apiError("INVALID_PARTITIONS", `Adding ${r.count - current} partitions is above the limit of ${PARTITIONS_PER_REQUEST_MAX}.`) };
    const replicationFactor = this.partition(id, 0)!.replicas.length;
    let replicas: BrokerId[][];
    if (r.assignments !== undefined) {
      if (r.assignments.length !== r.count - current) {
        return { error: apiError("INVALID_REPLICA_ASSIGNMENT", `Attempted to add ${r.count - current} additional partition(s), but only ${r.assignments.length} assignment(s) were specified.`) };
      }
      const problem = this.assignmentProblem(r.assignments, current);
      if (problem !== undefined) return { error: problem };
      if (r.assignments[0]!.length !== replicationFactor) return { error: apiError("INVALID_REPLICA_ASSIGNMENT", `The manual partition assignment must have ${replicationFactor} replicas, like the existing partitions.`) };
      replicas = r.assignments.map((a) => [...a]);
    } else {
      const placed = this.place(r.count - current, replicationFactor, current);
      if ("error" in placed) return placed;
      replicas = placed.replicas;
    }
    return { records: replicas.map((rs, i) => this.newPartitionRecord(id, current + i, rs)) };
  }

  // --- AlterPartition -------------------------------------------------------------------------

  /** Kafka ReplicationControlManager.alterPartition (reference §2.5). */
  alterPartition(request: AlterPartitionRequest): ControllerResult<AlterPartitionResponse> {
    const sender = this.cluster.registration(request.brokerId);
    if (sender === undefined || sender.brokerEpoch !== request.brokerEpoch) {
      const error = apiError("STALE_BROKER_EPOCH", `Broker ${request.brokerId} epoch ${request.brokerEpoch} is not its registered epoch ${sender?.brokerEpoch ?? "(none)"}`);
      return controllerResult([], { error, topics: [] });
    }
    const records: PartitionChangeRecord[] = [];
    const keyOf = (id: TopicId, partitionIndex: number): string => `${id}-${partitionIndex}`;
    const duplicates = duplicateKeys(request.topics.flatMap((t) => t.partitions.map((p) => keyOf(t.topicId, p.partitionIndex))), (k) => k);
    const topics = request.topics.map((t) => {
      const topic = this.topics.get(t.topicId);
      const partitions = t.partitions.map((data): AlterPartitionPartitionResult => {
        if (duplicates.has(keyOf(t.topicId, data.partitionIndex))) {
          return { partitionIndex: data.partitionIndex, error: apiError("INVALID_REQUEST", `Partition ${data.partitionIndex} of topic id ${t.topicId} is named more than once`) };
        }
        if (topic === undefined) return { partitionIndex: data.partitionIndex, error: apiError("UNKNOWN_TOPIC_ID", `Topic id ${t.topicId} does not exist`) };
        const outcome = this.alterOnePartition(request.brokerId, topic, data);
        if (outcome.record !== undefined) records.push(outcome.record);
        return outcome.result;
      });
      return { topicId: t.topicId, partitions };
    });
    return controllerResult(records, { topics });
  }

  private alterOnePartition(
    sender: BrokerId,
    topic: TopicControlInfo,
    data: AlterPartitionPartitionData,
  ): { record?: PartitionChangeRecord; result: AlterPartitionPartitionResult } {
    const partitionIndex = data.partitionIndex;
    const current = topic.partitions.get(partitionIndex);
    if (current === undefined) return { result: { partitionIndex, error: apiError("UNKNOWN_TOPIC_OR_PARTITION", `Partition ${topic.name}-${partitionIndex} does not exist`) } };
    const error = validateAlterPartitionData(sender, current, data, (b) => this.cluster.registration(b));
    if (error !== undefined) return { result: { partitionIndex, error } };
    const record = this.builder(topic, partitionIndex, current, "ONLINE", (b) => this.cluster.isActive(b))
      .setTargetIsr(data.newIsrWithEpochs.map((m) => m.brokerId))
      .setTargetLeaderRecoveryState(data.leaderRecoveryState)
      .build();
    const after = record === undefined ? current : mergePartitionChange(current, record);
    const result = {
      partitionIndex, leaderId: after.leader, leaderEpoch: after.leaderEpoch, isr: after.isr,
      leaderRecoveryState: after.leaderRecoveryState, partitionEpoch: after.partitionEpoch,
    };
    return record === undefined ? { result } : { record, result };
  }

  private builder(
    topic: TopicControlInfo,
    partitionId: number,
    p: PartitionRegistration,
    election: Election,
    acceptable: (b: BrokerId) => boolean,
  ): PartitionChangeBuilder {
    return new PartitionChangeBuilder(p, topic.id, partitionId, acceptable)
      .setElection(election)
      .setUncleanLeaderElectionEnabled(this.configs.uncleanLeaderElectionEnabled(topic.name));
  }

  // --- broker lifecycle (reference §5.6) -----------------------------------------------------

  /**
   * Kafka generateLeaderAndIsrUpdates: for every partition with `brokerToRemove` in its ISR,
   * remove it and elect where it led. A last ISR member stays in the ISR with leader -1 (ELR off).
   */
  private removeFromIsrs(brokerToRemove: BrokerId): PartitionChangeRecord[] {
    const records: PartitionChangeRecord[] = [];
    const acceptable = (b: BrokerId): boolean => b !== brokerToRemove && this.cluster.isActive(b);
    for (const { topic, partitionId, p } of this.allPartitions()) {
      if (!p.isr.includes(brokerToRemove) && p.leader !== brokerToRemove) continue;
      const record = this.builder(topic, partitionId, p, "ONLINE", acceptable)
        .setTargetIsr(p.isr.filter((b) => b !== brokerToRemove))
        .build();
      if (record !== undefined) records.push(record);
    }
    return records;
  }

  /** The broker is being fenced (session expired, wantFence, or SHUTDOWN_NOW). */
  handleBrokerFenced(broker: BrokerId): PartitionChangeRecord[] {
    return this.removeFromIsrs(broker);
  }

  /** The broker is being unregistered: as fencing. */
  handleBrokerUnregistered(broker: BrokerId): PartitionChangeRecord[] {
    return this.removeFromIsrs(broker);
  }

  /** The broker entered controlled shutdown: leave every ISR, so its leaderships move (§5.7). */
  handleBrokerInControlledShutdown(broker: BrokerId): PartitionChangeRecord[] {
    return this.removeFromIsrs(broker);
  }

  /**
   * The broker is being unfenced: elect leaders for every leaderless partition, counting this broker
   * as acceptable. It is not added back to any ISR; its leaders do that through AlterPartition.
   */
  handleBrokerUnfenced(broker: BrokerId): PartitionChangeRecord[] {
    const records: PartitionChangeRecord[] = [];
    const acceptable = (b: BrokerId): boolean => b === broker || this.cluster.isActive(b);
    for (const { topic, partitionId, p } of this.allPartitions()) {
      if (p.leader !== -1) continue;
      const record = this.builder(topic, partitionId, p, "ONLINE", acceptable).build();
      if (record !== undefined) records.push(record);
    }
    return records;
  }

  // --- elections (reference §5.4, §5.8) ------------------------------------------------------

  /** Kafka ElectLeaders. `partitions` undefined = every partition. */
  electLeaders(type: ElectionType, partitions?: readonly TopicPartition[]): ControllerResult<ElectLeadersResult[]> {
    const targets = partitions ?? [...this.allPartitions()].map(({ topic, partitionId }) => ({ topic: topic.name, partition: partitionId }));
    const records: PartitionChangeRecord[] = [];
    const duplicates = duplicateKeys(targets, (tp) => `${tp.topic}-${tp.partition}`);
    const results = targets.map((tp): ElectLeadersResult => {
      if (duplicates.has(`${tp.topic}-${tp.partition}`)) return { ...tp, error: apiError("INVALID_REQUEST", `${tp.topic}-${tp.partition} is named more than once in the request`) };
      const outcome = this.electOne(type, tp);
      if ("error" in outcome) return { ...tp, error: outcome.error };
      records.push(outcome.record);
      return { ...tp };
    });
    return controllerResult(records, results);
  }

  private electOne(type: ElectionType, tp: TopicPartition): { record: PartitionChangeRecord } | { error: ApiError } {
    const id = this.topicsByName.get(tp.topic);
    const topic = id === undefined ? undefined : this.topics.get(id);
    const p = topic?.partitions.get(tp.partition);
    if (topic === undefined || p === undefined) return { error: apiError("UNKNOWN_TOPIC_OR_PARTITION", `Partition ${tp.topic}-${tp.partition} does not exist`) };
    const where = `${tp.topic}-${tp.partition}`;
    if (type === "PREFERRED" && p.leader === p.replicas[0]) {
      return { error: apiError("ELECTION_NOT_NEEDED", `${where}: the preferred replica ${p.replicas[0]} already leads`) };
    }
    if (type === "UNCLEAN" && p.leader !== -1) return { error: apiError("ELECTION_NOT_NEEDED", `${where}: broker ${p.leader} already leads`) };
    // Kafka writes whatever record the builder makes; a preferred election never falls back to unclean.
    const record = new PartitionChangeBuilder(p, topic.id, tp.partition, (b) => this.cluster.isActive(b)).setElection(type).build();
    if (record !== undefined) return { record };
    return type === "PREFERRED"
      ? { error: apiError("PREFERRED_LEADER_NOT_AVAILABLE", `${where}: the preferred replica ${p.replicas[0]} is not in the ISR or not active`) }
      : { error: apiError("ELIGIBLE_LEADERS_NOT_AVAILABLE", `${where}: no active replica can lead`) };
  }

  /**
   * Kafka maybeBalancePartitionLeaders (auto.leader.rebalance.enable): preferred elections for at
   * most ELECTIONS_PER_BALANCE_MAX imbalanced partitions whose preferred replica can lead.
   * The response says whether the cap was hit, so the caller runs it again at once.
   */
  maybeBalancePartitionLeaders(): ControllerResult<{ readonly elections: number; readonly more: boolean }> {
    const records: PartitionChangeRecord[] = [];
    const acceptable = (b: BrokerId): boolean => this.cluster.isActive(b);
    for (const { topic, partitionId, p } of this.allPartitions()) {
      if (p.leader === p.replicas[0]) continue;
      const record = new PartitionChangeBuilder(p, topic.id, partitionId, acceptable).setElection("PREFERRED").build();
      if (record === undefined || record.leader !== p.replicas[0]) continue;
      if (records.length === ELECTIONS_PER_BALANCE_MAX) return controllerResult(records, { elections: records.length, more: true });
      records.push(record);
    }
    return controllerResult(records, { elections: records.length, more: false });
  }

  /**
   * Kafka maybeElectUncleanLeaders (every unclean.leader.election.interval.ms): leaderless partitions
   * of topics that allow unclean election get one now; this is what makes a dynamic change of the
   * config take effect.
   */
  maybeElectUncleanLeaders(): ControllerResult<number> {
    const records: PartitionChangeRecord[] = [];
    for (const { topic, partitionId, p } of this.allPartitions()) {
      if (p.leader !== -1 || !this.configs.uncleanLeaderElectionEnabled(topic.name)) continue;
      const record = this.builder(topic, partitionId, p, "ONLINE", (b) => this.cluster.isActive(b)).build();
      if (record !== undefined) records.push(record);
    }
    return controllerResult(records, records.length);
  }
}

function base64Url(bytes: readonly number[]): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += alphabet[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}
