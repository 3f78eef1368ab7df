// Encodes and decodes metadata records as protobuf (protos/replog/metadata.proto). The Raft log
// stores one encoded MetadataRecord per entry; snapshots store one per line of the image.
//
// Why protobufjs with a checked-in JSON descriptor rather than loading the .proto: this package is
// pure, so it may not read files at import time. `Root.fromJSON` builds the very same codec from
// the descriptor, which scripts/gen-descriptor.mjs regenerates from the .proto (and a test checks
// that it is current). Why not a hand-written codec: the wire format is then readable by any
// protobuf tool (protoc --decode, grpcurl) for the proto that documents it.

import protobuf from "protobufjs/light.js";
import {
  brokerEpoch,
  leaderEpoch,
  nodeId,
  partitionEpoch,
  producerId,
  unreachable,
  type BrokerId,
} from "@replog/common";
import { METADATA_DESCRIPTOR } from "./metadata-descriptor.generated.js";
import {
  CONFIG_RESOURCE_CODES,
  incarnationId,
  topicId,
  type ConfigResourceType,
  type LeaderRecoveryState,
  type MetadataRecord,
} from "./records.js";

/** A record that cannot be decoded: the bytes are not a MetadataRecord this version knows. */
export class MetadataRecordDecodeError extends Error {
  override readonly name = "MetadataRecordDecodeError";
  /** Kafka's name for bytes that fail validation. */
  readonly type = "CORRUPT_MESSAGE";
}

const root = protobuf.Root.fromJSON(METADATA_DESCRIPTOR as protobuf.INamespace);
const MetadataRecordType = root.lookupType("replog.metadata.MetadataRecord");

const RECOVERY_CODES: Readonly<Record<LeaderRecoveryState, number>> = { RECOVERED: 0, RECOVERING: 1 };
const RESOURCE_CODES = CONFIG_RESOURCE_CODES;
/** Kafka's BrokerRegistrationFencingChange: 1 fence, -1 unfence, 0 none. */
const FENCE = 1;
const UNFENCE = -1;

type Wire = Record<string, unknown>;

export function encodeRecord(record: MetadataRecord): Uint8Array {
  const message = MetadataRecordType.fromObject(toWire(record));
  return MetadataRecordType.encode(message).finish();
}

export function decodeRecord(bytes: Uint8Array): MetadataRecord {
  let wire: Wire;
  try {
    const message = MetadataRecordType.decode(bytes);
    wire = MetadataRecordType.toObject(message, { longs: String, enums: Number, oneofs: true });
  } catch (e) {
    throw new MetadataRecordDecodeError(`cannot decode metadata record: ${(e as Error).message}`);
  }
  return fromWire(wire);
}

function toWire(r: MetadataRecord): Wire {
  switch (r.type) {
    case "RegisterBrokerRecord":
      return {
        registerBroker: {
          brokerId: r.brokerId,
          incarnationId: r.incarnationId,
          brokerEpoch: r.brokerEpoch.toString(),
          endpoints: r.endpoints.map((e) => ({ name: e.name, host: e.host, port: e.port })),
          ...(r.rack === null ? {} : { rack: r.rack }),
          fenced: r.fenced,
          inControlledShutdown: r.inControlledShutdown,
        },
      };
    case "UnregisterBrokerRecord":
      return { unregisterBroker: { brokerId: r.brokerId, brokerEpoch: r.brokerEpoch.toString() } };
    case "TopicRecord":
      return { topic: { name: r.name, topicId: r.topicId } };
    case "PartitionRecord":
      return {
        partition: {
          topicId: r.topicId,
          partitionId: r.partitionId,
          replicas: [...r.replicas],
          isr: [...r.isr],
          leader: r.leader,
          leaderRecoveryState: RECOVERY_CODES[r.leaderRecoveryState],
          leaderEpoch: r.leaderEpoch,
          partitionEpoch: r.partitionEpoch,
        },
      };
    case "ConfigRecord":
      return {
        config: {
          resourceType: RESOURCE_CODES[r.resourceType],
          resourceName: r.resourceName,
          name: r.name,
          ...(r.value === null ? {} : { value: r.value }),
        },
      };
    case "PartitionChangeRecord":
      return {
        partitionChange: {
          topicId: r.topicId,
          partitionId: r.partitionId,
          ...(r.isr === undefined ? {} : { isr: { ids: [...r.isr] } }),
          ...(r.leader === undefined ? {} : { leader: r.leader }),
          ...(r.replicas === undefined ? {} : { replicas: { ids: [...r.replicas] } }),
          ...(r.leaderRecoveryState === undefined ? {} : { leaderRecoveryState: RECOVERY_CODES[r.leaderRecoveryState] }),
          uncleanElection: r.uncleanElection === true,
        },
      };
    case "RemoveTopicRecord":
      return { removeTopic: { topicId: r.topicId } };
    case "FeatureLevelRecord":
      return { featureLevel: { name: r.name, featureLevel: r.featureLevel } };
    case "ProducerIdsRecord":
      return {
        producerIds: { brokerId: r.brokerId, brokerEpoch: r.brokerEpoch.toString(), nextProducerId: r.nextProducerId.toString() },
      };
    case "BrokerRegistrationChangeRecord":
      return {
        brokerRegistrationChange: {
          brokerId: r.brokerId,
          brokerEpoch: r.brokerEpoch.toString(),
          fenced: r.fenced === undefined ? 0 : r.fenced ? FENCE : UNFENCE,
          inControlledShutdown: r.inControlledShutdown === true,
        },
      };
    case "NoOpRecord":
      return { noOp: {} };
    default:
      return unreachable(r, "metadata record");
  }
}

// --- decoding: every field is checked, so a decoded record always satisfies its TS type ----------

function fromWire(wire: Wire): MetadataRecord {
  const kind = wire["record"];
  const body = (kind === undefined ? undefined : wire[kind as string]) as Wire | undefined;
  if (body === undefined) throw new MetadataRecordDecodeError("metadata record has no record set");
  switch (kind) {
    case "registerBroker":
      return {
        type: "RegisterBrokerRecord",
        brokerId: id(body, "brokerId"),
        incarnationId: incarnationId(str(body, "incarnationId")),
        brokerEpoch: brokerEpoch(int64(body, "brokerEpoch")),
        endpoints: list(body, "endpoints").map((e) => endpoint(e as Wire)),
        rack: body["rack"] === undefined ? null : str(body, "rack"),
        fenced: body["fenced"] === true,
        inControlledShutdown: body["inControlledShutdown"] === true,
      };
    case "unregisterBroker":
      return { type: "UnregisterBrokerRecord", brokerId: id(body, "brokerId"), brokerEpoch: brokerEpoch(int64(body, "brokerEpoch")) };
    case "topic":
      return { type: "TopicRecord", name: str(body, "name"), topicId: topicId(str(body, "topicId")) };
    case "partition":
      return {
        type: "PartitionRecord",
        topicId: topicId(str(body, "topicId")),
        partitionId: int32(body, "partitionId"),
        replicas: brokerIds(list(body, "replicas")),
        isr: brokerIds(list(body, "isr")),
        leader: id(body, "leader"),
        leaderRecoveryState: recoveryState(body["leaderRecoveryState"] ?? 0),
        leaderEpoch: leaderEpoch(int32(body, "leaderEpoch")),
        partitionEpoch: partitionEpoch(int32(body, "partitionEpoch")),
      };
    case "config":
      return {
        type: "ConfigRecord",
        resourceType: resourceType(body["resourceType"] ?? 0),
        resourceName: str(body, "resourceName"),
        name: str(body, "name"),
        value: body["value"] === undefined ? null : str(body, "value"),
      };
    case "partitionChange":
      return partitionChangeFromWire(body);
    case "removeTopic":
      return { type: "RemoveTopicRecord", topicId: topicId(str(body, "topicId")) };
    case "featureLevel":
      return { type: "FeatureLevelRecord", name: str(body, "name"), featureLevel: int32(body, "featureLevel") };
    case "producerIds":
      return {
        type: "ProducerIdsRecord",
        brokerId: id(body, "brokerId"),
        brokerEpoch: brokerEpoch(int64(body, "brokerEpoch")),
        nextProducerId: producerId(int64(body, "nextProducerId")),
      };
    case "brokerRegistrationChange":
      return brokerRegistrationChangeFromWire(body);
    case "noOp":
      return { type: "NoOpRecord" };
    default:
      throw new MetadataRecordDecodeError(`unknown metadata record kind ${String(kind)}`);
  }
}

function partitionChangeFromWire(body: Wire): MetadataRecord {
  const isr = body["isr"] as Wire | undefined;
  const replicas = body["replicas"] as Wire | undefined;
  return {
    type: "PartitionChangeRecord",
    topicId: topicId(str(body, "topicId")),
    partitionId: int32(body, "partitionId"),
    ...(isr === undefined ? {} : { isr: brokerIds(list(isr, "ids")) }),
    ...(body["leader"] === undefined ? {} : { leader: id(body, "leader") }),
    ...(replicas === undefined ? {} : { replicas: brokerIds(list(replicas, "ids")) }),
    ...(body["leaderRecoveryState"] === undefined ? {} : { leaderRecoveryState: recoveryState(body["leaderRecoveryState"]) }),
    ...(body["uncleanElection"] === true ? { uncleanElection: true as const } : {}),
  };
}

function brokerRegistrationChangeFromWire(body: Wire): MetadataRecord {
  const fenced = body["fenced"] ?? 0;
  if (fenced !== 0 && fenced !== FENCE && fenced !== UNFENCE) {
    throw new MetadataRecordDecodeError(`bad fencing change ${String(fenced)}`);
  }
  return {
    type: "BrokerRegistrationChangeRecord",
    brokerId: id(body, "brokerId"),
    brokerEpoch: brokerEpoch(int64(body, "brokerEpoch")),
    ...(fenced === 0 ? {} : { fenced: fenced === FENCE }),
    ...(body["inControlledShutdown"] === true ? { inControlledShutdown: true as const } : {}),
  };
}

function endpoint(e: Wire): { name: string; host: string; port: number } {
  return { name: str(e, "name"), host: str(e, "host"), port: int32(e, "port") };
}

function int32(body: Wire, field: string): number {
  const v = body[field] ?? 0;
  if (typeof v !== "number" || !Number.isInteger(v)) throw new MetadataRecordDecodeError(`field ${field} is not an int32`);
  return v;
}

function id(body: Wire, field: string): BrokerId {
  return nodeId(int32(body, field));
}

function int64(body: Wire, field: string): bigint {
  const v = body[field] ?? "0";
  if (typeof v !== "string" && typeof v !== "number") throw new MetadataRecordDecodeError(`field ${field} is not an int64`);
  return BigInt(v);
}

function str(body: Wire, field: string): string {
  const v = body[field] ?? "";
  if (typeof v !== "string") throw new MetadataRecordDecodeError(`field ${field} is not a string`);
  return v;
}

function list(body: Wire, field: string): unknown[] {
  const v = body[field] ?? [];
  if (!Array.isArray(v)) throw new MetadataRecordDecodeError(`field ${field} is not a list`);
  return v;
}

function brokerIds(values: unknown[]): BrokerId[] {
  return values.map((v) => id({ v }, "v"));
}

function recoveryState(code: unknown): LeaderRecoveryState {
  if (code === 0) return "RECOVERED";
  if (code === 1) return "RECOVERING";
  throw new MetadataRecordDecodeError(`bad leader recovery state ${String(code)}`);
}

function resourceType(code: unknown): ConfigResourceType {
  if (code === RESOURCE_CODES.TOPIC) return "TOPIC";
  if (code === RESOURCE_CODES.BROKER) return "BROKER";
  throw new MetadataRecordDecodeError(`unsupported config resource type ${String(code)}`);
}
