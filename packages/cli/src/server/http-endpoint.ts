// Each node's HTTP endpoint on its metrics port: Prometheus `/metrics` (prom-client) and
// `/healthz`. Health is the roles' own account of themselves: a controller is ready when it knows
// the quorum's leader, a broker when it is registered and unfenced. `/healthz` answers 200 when
// every role is ready and 503 otherwise, always with the JSON so a person can see why.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface RoleHealth {
  readonly role: "controller" | "broker" | "node";
  readonly ready: boolean;
  /** One line a person can read: why it is (not) ready. */
  readonly status: string;
  readonly details?: Record<string, unknown>;
}

export interface HealthSource {
  health(): RoleHealth;
}

export interface HttpEndpoint {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpEndpoint(options: {
  host: string;
  port: number;
  nodeId: number;
  registry: Registry;
  sources: () => readonly HealthSource[];
}): Promise<HttpEndpoint> {
  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (req.method !== "GET") {
      res.writeHead(405).end();
      return;
    }
    if (url === "/metrics") {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": options.registry.contentType }).end(text),
        (e: Error) => res.writeHead(500).end(e.message),
      );
      return;
    }
    if (url === "/healthz") {
      const roles = options.sources().map((s) => s.health());
      const ready = roles.length > 0 && roles.every((r) => r.ready);
      res
        .writeHead(ready ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify({ nodeId: options.nodeId, ready, roles }) + "\n");
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("try /metrics or /healthz\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
