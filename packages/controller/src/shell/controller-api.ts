// The controller's admin RPCs (protos/replog/controller.proto): wire messages to ControllerCore
// requests and back. Every write goes through the QuorumController queue and is answered once its
// records commit. A node that is not the active controller answers NOT_CONTROLLER (41) with the
// leader's controller-listener address, so tools and brokers can retry there.

import type * as grpc from "@grpc/grpc-js";
import type { BrokerId } from "@replog/common";
import type { ConfigResourceType, TopicId } from "@replog/metadata";
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

export function controllerApiHandlers(qc: QuorumController, leaderEndpoint: (id: number | null) => string): grpc.UntypedServiceImplementation {
  /** Runs a write and maps "not the active controller" to the request-level error fields. */
  const handle = <Req, Res>(work: (req: Req) => Promise<Res>, empty: Res) =>
    (call: grpc.ServerUnaryCall<Req, unknown>, cb: grpc.sendUnaryData<Res | (Res & RequestError)>) => {
      work(call.request).then(
        (res) => cb(null, { ...res, errorCode: 0, errorMessage: "", leaderEndpoint: "" }),
        (e: Error) => {
          if (e instanceof NotControllerError) cb(null, { ...empty, errorCode: e.code, errorMessage: e.message, leaderEndpoint: leaderEndpoint(e.leaderHint) });
          else cb(null, { ...empty, errorCode: -1, errorMessage: `UNKNOWN_SERVER_ERROR: ${e.message}`, leaderEndpoint: "" });
        },
      );
    };

  return {
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
