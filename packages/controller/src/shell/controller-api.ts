// The controller's admin RPCs (protos/replog/controller.proto): wire messages to ControllerCore
// requests and back. Every write goes through the QuorumController queue and is answered once its
// records commit. A node that is not the active controller answers NOT_CONTROLLER (41) with the
// leader's controller-listener address, so tools and brokers can retry there.

import type * as grpc from "@grpc/grpc-js";
import { brokerEpoch, leaderEpoch, logIndex, partitionEpoch, type BrokerId } from "@replog/common";
import { incarnationId, type ConfigResourceType, type LeaderRecoveryState, type TopicId } from "@replog/metadata";
import type { AlterConfigOp, AlterConfigsResource, ApiError, CreatableTopic, ElectionType } from "../core/index.js";
import { NotControllerError, type QuorumController } from "./quorum-controller.js";

interface ReplicaListWire {
  brokerIds: number[];
}
interface CreatableTopicWire {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: ReplicaListWire[];
  configs: Record<string, string>;
}
interface AlterConfigsResourceWire {
  resourceType: string;
  resourceName: string;
  configs: Array<{ name: string; operation: string; value: string }>;
}

interface RequestError {
  errorCode: number;
  errorMessage: string;
  leaderEndpoint: string;
}

const errorFields = (e: ApiError | undefined) => (e ? { errorCode: e.code, errorName: e.error, errorMessage: e.message } : { errorCode: 0, errorName: "NONE", errorMessage: "" });

const assignmentsFrom = (a: ReplicaListWire[]) => (a.length === 0 ? undefined : a.map((r) => r.brokerIds as BrokerId[]));

interface AlterPartitionWire {
  brokerId: number;
  brokerEpoch: string;
  topics: Array<{
    topicId: string;
    partitions: Array<{ partitionIndex: number; leaderEpoch: number; partitionEpoch: number; newIsrWithEpochs: Array<{ brokerId: number; brokerEpoch: string }>; leaderRecoveryState: string }>;
  }>;
}

export interface ControllerApiContext {
  readonly leaderEndpoint: (id: number | null) => string;
  readonly nowMs: () => number;
  /** The index the next proposed entry will get (a registering broker's epoch, as in KRaft). */
  readonly nextWriteIndex: () => number;
}

export function controllerApiHandlers(qc: QuorumController, ctx: ControllerApiContext): grpc.UntypedServiceImplementation {
  const leaderEndpoint = ctx.leaderEndpoint;
  const whole = (e: ApiError) => ({ errorCode: e.code, errorMessage: `${e.error}: ${e.message}` });
  /** Runs a write and maps "not the active controller" to the request-level error fields. */
  const handle = <Req, Res>(work: (req: Req) => Promise<Res>, empty: Res) =>
    (call: grpc.ServerUnaryCall<Req, unknown>, cb: grpc.sendUnaryData<Res | (Res & RequestError)>) => {
      work(call.request).then(
        (res) => cb(null, { ...res, errorCode: 0, errorMessage: "", leaderEndpoint: "" }),
        (e: Error) => {
          const apiErr = (e as { apiError?: ApiError }).apiError;
          if (apiErr) cb(null, { ...empty, ...whole(apiErr), leaderEndpoint: "" });
          else if (e instanceof NotControllerError) cb(null, { ...empty, errorCode: e.code, errorMessage: e.message, leaderEndpoint: leaderEndpoint(e.leaderHint) });
          else cb(null, { ...empty, errorCode: -1, errorMessage: `UNKNOWN_SERVER_ERROR: ${e.message}`, leaderEndpoint: "" });
        },
      );
    };

  return {
    BrokerRegistration: handle(async (req: { brokerId: number; clusterId: string; incarnationId: string; listeners: Array<{ name: string; host: string; port: number }>; rack: string }) => {
      const res = await qc.write("BrokerRegistration", (core) =>
        core.registerBroker(
          { brokerId: req.brokerId as BrokerId, clusterId: req.clusterId, incarnationId: incarnationId(req.incarnationId), endpoints: req.listeners, rack: req.rack === "" ? null : req.rack },
          ctx.nowMs(),
          logIndex(ctx.nextWriteIndex()),
        ),
      );
      if ("error" in res) throw Object.assign(new Error(), { apiError: res.error });
      return { brokerEpoch: String(res.brokerEpoch) };
    }, { brokerEpoch: "-1" }),

    BrokerHeartbeat: handle(async (req: { brokerId: number; brokerEpoch: string; currentMetadataOffset: string; wantFence: boolean; wantShutDown: boolean }) => {
      const res = await qc.write("BrokerHeartbeat", (core) =>
        core.brokerHeartbeat(
          { brokerId: req.brokerId as BrokerId, brokerEpoch: brokerEpoch(BigInt(req.brokerEpoch)), currentMetadataOffset: logIndex(Number(req.currentMetadataOffset)), wantFence: req.wantFence, wantShutDown: req.wantShutDown },
          ctx.nowMs(),
        ),
      );
      if ("error" in res) throw Object.assign(new Error(), { apiError: res.error });
      return res;
    }, { isCaughtUp: false, isFenced: true, shouldShutDown: false }),

    AlterPartition: handle(async (req: AlterPartitionWire) => {
      const res = await qc.write("AlterPartition", (core) =>
        core.alterPartition({
          brokerId: req.brokerId as BrokerId,
          brokerEpoch: brokerEpoch(BigInt(req.brokerEpoch)),
          topics: req.topics.map((t) => ({
            topicId: t.topicId as TopicId,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partitionIndex,
              leaderEpoch: leaderEpoch(p.leaderEpoch),
              partitionEpoch: partitionEpoch(p.partitionEpoch),
              newIsrWithEpochs: p.newIsrWithEpochs.map((b) => ({ brokerId: b.brokerId as BrokerId, brokerEpoch: brokerEpoch(BigInt(b.brokerEpoch)) })),
              leaderRecoveryState: (p.leaderRecoveryState || "RECOVERED") as LeaderRecoveryState,
            })),
          })),
        }),
      );
      if (res.error) throw Object.assign(new Error(), { apiError: res.error });
      return {
        topics: res.topics.map((t) => ({
          topicId: t.topicId,
          partitions: t.partitions.map((p) =>
            "error" in p
              ? { partitionIndex: p.partitionIndex, ...errorFields(p.error), leaderId: -1, leaderEpoch: -1, isr: [], leaderRecoveryState: "", partitionEpoch: -1 }
              : { partitionIndex: p.partitionIndex, ...errorFields(undefined), leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, isr: [...p.isr], leaderRecoveryState: p.leaderRecoveryState, partitionEpoch: p.partitionEpoch },
          ),
        })),
      };
    }, { topics: [] }),

    AllocateProducerIds: handle(async (req: { brokerId: number; brokerEpoch: string }) => {
      const res = await qc.write("AllocateProducerIds", (core) => core.allocateProducerIds(req.brokerId as BrokerId, brokerEpoch(BigInt(req.brokerEpoch))));
      if ("error" in res) throw Object.assign(new Error(), { apiError: res.error });
      return { producerIdStart: String(res.firstProducerId), producerIdLen: res.size };
    }, { producerIdStart: "-1", producerIdLen: 0 }),

    CreateTopics: handle(async (req: { topics: CreatableTopicWire[] }) => {
      const topics: CreatableTopic[] = req.topics.map((t) => ({
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: assignmentsFrom(t.assignments),
        configs: t.configs,
      }));
      const results = await qc.write("CreateTopics", (core) => core.createTopics(topics));
      return {
        topics: results.map((r) => ({
          name: r.name,
          topicId: r.topicId ?? "",
          numPartitions: r.numPartitions ?? -1,
          replicationFactor: r.replicationFactor ?? -1,
          ...errorFields(r.error),
        })),
      };
    }, { topics: [] }),

    DeleteTopics: handle(async (req: { names: string[] }) => {
      const results = await qc.write("DeleteTopics", (core) => core.deleteTopics(req.names.map((name) => ({ name }))));
      return { topics: results.map((r) => ({ name: r.name ?? "", topicId: (r.topicId as TopicId | undefined) ?? "", numPartitions: -1, replicationFactor: -1, ...errorFields(r.error) })) };
    }, { topics: [] }),

    CreatePartitions: handle(async (req: { topics: Array<{ name: string; count: number; assignments: ReplicaListWire[] }> }) => {
      const topics = req.topics.map((t) => ({ name: t.name, count: t.count, assignments: assignmentsFrom(t.assignments) }));
      const results = await qc.write("CreatePartitions", (core) => core.createPartitions(topics));
      return { topics: results.map((r) => ({ name: r.name, topicId: "", numPartitions: -1, replicationFactor: -1, ...errorFields(r.error) })) };
    }, { topics: [] }),

    IncrementalAlterConfigs: handle(async (req: { resources: AlterConfigsResourceWire[] }) => {
      const resources: AlterConfigsResource[] = req.resources.map((r) => ({
        resourceType: r.resourceType as ConfigResourceType,
        resourceName: r.resourceName,
        configs: r.configs.map((c) => ({ name: c.name, op: c.operation as AlterConfigOp, value: c.value })),
      }));
      const results = await qc.write("IncrementalAlterConfigs", (core) => core.incrementalAlterConfigs(resources));
      return { resources: results.map((r) => ({ resourceType: r.resourceType, resourceName: r.resourceName, ...errorFields(r.error) })) };
    }, { resources: [] }),

    ElectLeaders: handle(async (req: { electionType: string; partitions: Array<{ topic: string; partition: number }> }) => {
      const type = req.electionType.toUpperCase() as ElectionType;
      const partitions = req.partitions.length === 0 ? undefined : req.partitions;
      const results = await qc.write("ElectLeaders", (core) => core.electLeaders(type, partitions));
      return { partitions: results.map((r) => ({ topic: r.topic, partition: r.partition, ...errorFields(r.error) })) };
    }, { partitions: [] }),
  };
}
