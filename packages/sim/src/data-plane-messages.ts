// The data-plane simulation's vocabulary: the metadata records the simulated controller writes,
// the partition registration they fold into, and the messages brokers, the controller and the
// producer exchange over the simulated network. Each has a one-line `describe*` for the trace.
//
// The messages carry the partition core's own request and response values (`FollowerFetch`,
// `LeaderFetchResponse`, `AlterPartitionRequest`, ...), so what travels is what the broker shell
// would put on the wire, minus the record bytes: a record is its (offset, leader epoch), which is
// all that replication safety depends on.

import type { BrokerEpoch, LeaderEpoch, NodeId, Offset, PartitionEpoch } from "@replog/common";
import type {
  AlterPartitionRequest,
  AlterPartitionResponse,
  FollowerFetch,
  LeaderFetchResponse,
  PartitionErrorOrNone,
} from "@replog/broker/core";

/** The controller's view of one partition (Kafka `PartitionRegistration`). */
export interface PartitionRegistration {
  readonly partition: number;
  readonly replicas: readonly NodeId[];
  /** -1 when the partition is offline. */
  readonly leader: NodeId;
  readonly leaderEpoch: LeaderEpoch;
  readonly partitionEpoch: PartitionEpoch;
  /** Never empty (ELR off): the last member stays when it is fenced (§5.3). */
  readonly isr: readonly NodeId[];
  /** Set by an unclean election until the leader's first AlterPartition (KIP-704). */
  readonly recovering: boolean;
}

/** Metadata records, in the order the controller commits them. */
export type MetadataRecord =
  | { readonly type: "register"; readonly broker: NodeId; readonly brokerEpoch: BrokerEpoch }
  | { readonly type: "fence"; readonly broker: NodeId }
  | { readonly type: "unfence"; readonly broker: NodeId }
  | { readonly type: "partition"; readonly registration: PartitionRegistration; readonly unclean: boolean };

/** One record of a partition log as it travels in a fetch response. */
export interface SimRecord {
  readonly offset: Offset;
  readonly epoch: LeaderEpoch;
}

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
}

/** Requests from a broker carry the sender's life, so a restarted broker ignores old answers. */
interface FromBroker extends Envelope {
  readonly life: number;
}

export type DataPlaneMessage =
  /** Heartbeat and metadata fetch in one (the controller is one node here). Epoch -1 registers. */
  | (FromBroker & { readonly type: "Heartbeat"; readonly brokerEpoch: BrokerEpoch; readonly metadataOffset: number })
  | (FromBroker & {
      readonly type: "HeartbeatResponse";
      readonly error: "NONE" | "DUPLICATE_BROKER_REGISTRATION" | "STALE_BROKER_EPOCH";
      readonly brokerEpoch: BrokerEpoch;
      readonly fromOffset: number;
      readonly records: readonly MetadataRecord[];
    })
  | (FromBroker & {
      readonly type: "Fetch";
      readonly partition: number;
      readonly fetchId: number;
      readonly brokerEpoch: BrokerEpoch;
      readonly fetch: FollowerFetch;
    })
  | (FromBroker & {
      readonly type: "FetchResponse";
      readonly partition: number;
      readonly fetchId: number;
      readonly fetch: FollowerFetch;
      readonly response: LeaderFetchResponse;
      readonly records: readonly SimRecord[];
      /** The leader's log bounds, which a follower asks for on OFFSET_OUT_OF_RANGE (§4.5). */
      readonly leaderLogEndOffset: Offset;
      readonly leaderLogStartOffset: Offset;
    })
  | (FromBroker & { readonly type: "AlterPartition"; readonly partition: number; readonly brokerEpoch: BrokerEpoch; readonly request: AlterPartitionRequest })
  | (FromBroker & {
      readonly type: "AlterPartitionResponse";
      readonly partition: number;
      readonly request: AlterPartitionRequest;
      readonly response: AlterPartitionResponse;
    })
  | (Envelope & {
      readonly type: "Produce";
      readonly partition: number;
      readonly produceId: number;
      readonly acks: -1 | 1;
      readonly count: number;
      readonly timeoutMs: number;
    })
  | (Envelope & {
      readonly type: "ProduceResponse";
      readonly partition: number;
      readonly produceId: number;
      readonly acks: -1 | 1;
      readonly error: PartitionErrorOrNone;
      /** Where the records went and under which leader epoch (meaningful when appended). */
      readonly baseOffset: Offset;
      readonly count: number;
      readonly epoch: LeaderEpoch;
    });

export function describeRegistration(r: PartitionRegistration): string {
  return `p${r.partition} leader=${r.leader} le=${r.leaderEpoch} pe=${r.partitionEpoch} isr=[${r.isr.join(",")}]${r.recovering ? " RECOVERING" : ""}`;
}

export function describeMetadataRecord(r: MetadataRecord): string {
  switch (r.type) {
    case "register":
      return `register b${r.broker} epoch=${r.brokerEpoch}`;
    case "fence":
    case "unfence":
      return `${r.type} b${r.broker}`;
    case "partition":
      return `${describeRegistration(r.registration)}${r.unclean ? " UNCLEAN" : ""}`;
  }
}

function describeRange(records: readonly SimRecord[]): string {
  const first = records[0];
  const last = records[records.length - 1];
  if (first === undefined || last === undefined) return "[]";
  return first === last ? `[${first.offset}@${first.epoch}]` : `[${first.offset}@${first.epoch}..${last.offset}@${last.epoch}]`;
}

export function describeDataPlaneMessage(m: DataPlaneMessage): string {
  const head = `${m.from}->${m.to} ${m.type}`;
  switch (m.type) {
    case "Heartbeat":
      return `${head} epoch=${m.brokerEpoch} metadata=${m.metadataOffset}`;
    case "HeartbeatResponse":
      return `${head} ${m.error} epoch=${m.brokerEpoch} records=${m.fromOffset}+${m.records.length}`;
    case "Fetch":
      return `${head} p${m.partition} #${m.fetchId} offset=${m.fetch.fetchOffset} last=${m.fetch.lastFetchedEpoch} le=${m.fetch.currentLeaderEpoch}`;
    case "FetchResponse": {
      const r = m.response;
      const diverging = r.divergingEpoch === undefined ? "" : ` diverging=${r.divergingEpoch.epoch}/${r.divergingEpoch.endOffset}`;
      return `${head} p${m.partition} #${m.fetchId} ${r.error} hw=${r.highWatermark}${diverging} records=${describeRange(m.records)}`;
    }
    case "AlterPartition":
      return `${head} p${m.partition} #${m.request.proposalId} le=${m.request.leaderEpoch} pe=${m.request.partitionEpoch} isr=[${m.request.newIsrWithEpochs.map((x) => x.brokerId).join(",")}] (${m.request.reason.kind})`;
    case "AlterPartitionResponse": {
      const r = m.response;
      const body = "isr" in r ? `NONE le=${r.leaderEpoch} pe=${r.partitionEpoch} isr=[${r.isr.join(",")}]` : r.error;
      return `${head} p${m.partition} #${m.request.proposalId} ${body}`;
    }
    case "Produce":
      return `${head} p${m.partition} #${m.produceId} acks=${m.acks} count=${m.count}`;
    case "ProduceResponse":
      return `${head} p${m.partition} #${m.produceId} acks=${m.acks} ${m.error}${m.error === "NONE" ? ` at ${m.baseOffset}..${m.baseOffset + m.count - 1}@${m.epoch}` : ""}`;
  }
}
