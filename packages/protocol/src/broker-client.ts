// gRPC plumbing of the broker API (protos/replog/broker.proto): service definitions for the broker's
// server, and a client for followers, tools and the client library.

import * as grpc from "@grpc/grpc-js";
import { CHANNEL_OPTIONS } from "./grpc-options.js";
import { loadProtos } from "./load-protos.js";

interface BrokerServices {
  Broker: grpc.ServiceClientConstructor;
  BrokerAdmin: grpc.ServiceClientConstructor;
}

let services: BrokerServices | undefined;
export function brokerServiceDefinitions(): BrokerServices {
  if (!services) {
    const pkg = grpc.loadPackageDefinition(loadProtos()) as unknown as { replog: { broker: { v1: BrokerServices } } };
    services = pkg.replog.broker.v1;
  }
  return services;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- message shapes are documented in broker.proto
type Wire = any;

export type BrokerClient = grpc.Client & {
  Metadata(request: Wire, options: grpc.CallOptions, callback: grpc.requestCallback<Wire>): grpc.ClientUnaryCall;
  ListOffsets(request: Wire, options: grpc.CallOptions, callback: grpc.requestCallback<Wire>): grpc.ClientUnaryCall;
  Produce(options?: grpc.CallOptions): grpc.ClientDuplexStream<Wire, Wire>;
  Fetch(options?: grpc.CallOptions): grpc.ClientDuplexStream<Wire, Wire>;
};

export function newBrokerClient(address: string, options: grpc.ChannelOptions = {}): BrokerClient {
  const { Broker } = brokerServiceDefinitions();
  return new Broker(address, grpc.credentials.createInsecure(), { ...CHANNEL_OPTIONS, ...options }) as unknown as BrokerClient;
}

export function newBrokerAdminClient(address: string): grpc.Client & Record<string, Wire> {
  const { BrokerAdmin } = brokerServiceDefinitions();
  return new BrokerAdmin(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as grpc.Client & Record<string, Wire>;
}
