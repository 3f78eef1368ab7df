// Request and response shapes of the topic admin operations (CreateTopics, DeleteTopics,
// CreatePartitions, ElectLeaders) as ReplicationControlManager takes and answers them.

import type { BrokerId } from "@replog/common";
import type { TopicId } from "@replog/metadata";
import type { ApiError } from "./controller-errors.js";

export interface CreatableTopic {
  readonly name: string;
  /** -1 or absent: the cluster default (num.partitions). Must be absent with `assignments`. */
  readonly numPartitions?: number;
  /** -1 or absent: the cluster default (default.replication.factor). Must be absent with `assignments`. */
  readonly replicationFactor?: number;
  /** Explicit replicas per partition (index = partition id); replaces placement. */
  readonly assignments?: readonly (readonly BrokerId[])[];
  readonly configs?: Readonly<Record<string, string>>;
}

export interface CreatableTopicResult {
  readonly name: string;
  readonly topicId?: TopicId;
  readonly numPartitions?: number;
  readonly replicationFactor?: number;
  readonly error?: ApiError;
}

export interface DeletableTopic {
  readonly name?: string;
  readonly topicId?: TopicId;
}

export interface DeletableTopicResult {
  readonly name?: string;
  readonly topicId?: TopicId;
  readonly error?: ApiError;
}

export interface CreatePartitionsTopic {
  readonly name: string;
  /** The new total number of partitions. */
  readonly count: number;
  /** Replicas for each NEW partition only. */
  readonly assignments?: readonly (readonly BrokerId[])[];
}

export interface CreatePartitionsTopicResult {
  readonly name: string;
  readonly error?: ApiError;
}

export type ElectionType = "PREFERRED" | "UNCLEAN";

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface ElectLeadersResult extends TopicPartition {
  readonly error?: ApiError;
}
