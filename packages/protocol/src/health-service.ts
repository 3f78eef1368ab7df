// Serves grpc.health.v1.Health on a replog gRPC server. The empty service name ("") is the node as a
// whole; "replog.controller.v1.Controller" and "replog.broker" name the roles. Watch streams the
// status whenever it changes (checked every 500 ms), as the standard asks.

import * as grpc from "@grpc/grpc-js";
import { loadProtos } from "./load-protos.js";

export type ServingStatus = "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

let service: grpc.ServiceClientConstructor | undefined;
export function healthServiceDefinition(): grpc.ServiceClientConstructor {
  if (!service) {
    const pkg = grpc.loadPackageDefinition(loadProtos()) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
    service = pkg.grpc.health.v1.Health;
  }
  return service;
}

/** `status(service)` answers for a service name; unknown names should return SERVICE_UNKNOWN. */
export function addHealthService(server: grpc.Server, status: (service: string) => ServingStatus): void {
  server.addService(healthServiceDefinition().service, {
    Check: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, cb: grpc.sendUnaryData<{ status: ServingStatus }>) => {
      const s = status(call.request.service);
      if (s === "SERVICE_UNKNOWN") cb({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
      else cb(null, { status: s });
    },
    Watch: (call: grpc.ServerWritableStream<{ service: string }, { status: ServingStatus }>) => {
      let last: ServingStatus | undefined;
      const send = () => {
        const s = status(call.request.service);
        if (s !== last) call.write({ status: s });
        last = s;
      };
      send();
      const timer = setInterval(send, 500);
      call.on("cancelled", () => clearInterval(timer));
      call.on("close", () => clearInterval(timer));
    },
  });
}
