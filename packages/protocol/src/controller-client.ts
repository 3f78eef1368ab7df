// gRPC plumbing of the controller API (protos/replog/controller.proto): the service definition for
// the controller's server and a typed client for brokers and tools.

import * as grpc from "@grpc/grpc-js";
import { CHANNEL_OPTIONS } from "./grpc-options.js";
import { loadProtos } from "./load-protos.js";

export interface ReplicaStateWire {
  nodeId: number;
  logEndOffset: string | number;
  lastFetchTimestamp: string | number;
  lastCaughtUpTimestamp: string | number;
}

export interface DescribeQuorumResponseWire {
  errorCode: number;
  errorMessage: string;
  leaderHint: number;
  clusterId: string;
  leaderId: number;
  leaderEpoch: string | number;
  highWatermark: string | number;
  currentVoters: ReplicaStateWire[];
  currentObservers: ReplicaStateWire[];
  leaderEndpoint: string;
}

type Unary<Req, Res> = (request: Req, options: grpc.CallOptions, callback: grpc.requestCallback<Res>) => void;

/** The request-level fields every controller answer starts with. */
export interface ControllerAnswerWire {
  errorCode: number;
  errorMessage: string;
  leaderEndpoint: string;
}

export interface BrokerRegistrationRequestWire {
  brokerId: number;
  clusterId: string;
  incarnationId: string;
  listeners: ReadonlyArray<{ name: string; host: string; port: number }>;
  rack: string;
}

export interface BrokerHeartbeatRequestWire {
  brokerId: number;
  brokerEpoch: string;
  currentMetadataOffset: number;
  wantFence: boolean;
  wantShutDown: boolean;
}

export type ControllerClient = grpc.Client & {
  DescribeQuorum: Unary<Record<string, never>, DescribeQuorumResponseWire>;
  BrokerRegistration: Unary<BrokerRegistrationRequestWire, ControllerAnswerWire & { brokerEpoch: string }>;
  BrokerHeartbeat: Unary<BrokerHeartbeatRequestWire, ControllerAnswerWire & { isCaughtUp: boolean; isFenced: boolean; shouldShutDown: boolean }>;
  AllocateProducerIds: Unary<{ brokerId: number; brokerEpoch: string }, ControllerAnswerWire & { producerIdStart: string; producerIdLen: number }>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- admin calls are typed where they are used
  [method: string]: any;
};

let service: grpc.ServiceClientConstructor | undefined;
export function controllerServiceDefinition(): grpc.ServiceClientConstructor {
  if (!service) {
    const pkg = grpc.loadPackageDefinition(loadProtos()) as unknown as { replog: { controller: { v1: { Controller: grpc.ServiceClientConstructor } } } };
    service = pkg.replog.controller.v1.Controller;
  }
  return service;
}

export function newControllerClient(address: string): ControllerClient {
  const Service = controllerServiceDefinition();
  return new Service(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as ControllerClient;
}

/** Promise wrapper with a deadline, for tools. */
export function callUnary<Req, Res>(client: grpc.Client, method: Unary<Req, Res>, request: Req, timeoutMs: number): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, { deadline: Date.now() + timeoutMs }, (err, res) => (err || !res ? reject(err ?? new Error("empty response")) : resolve(res)));
  });
}
