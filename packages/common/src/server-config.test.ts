import { describe, expect, it } from "vitest";
import { ConfigError } from "./config.js";
import { parseListener, parseQuorumVoter, resolveServerConfig, serverConfigDef } from "./server-config.js";

const combined = {
  "process.roles": "broker,controller",
  "node.id": "1",
  "controller.quorum.voters": "1@127.0.0.1:9093,2@127.0.0.2:9093,3@127.0.0.3:9093",
  listeners: "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
};

function refusal(raw: Record<string, string>): ConfigError {
  try {
    resolveServerConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("server config", () => {
  it("keeps Kafka's defaults", () => {
    const { config } = resolveServerConfig(combined);
    expect(config.replicaLagTimeMaxMs).toBe(30_000);
    expect(config.brokerSessionTimeoutMs).toBe(9000);
    expect(config.brokerHeartbeatIntervalMs).toBe(2000);
    expect(config.controllerQuorumElectionTimeoutMs).toBe(1000);
    expect(config.minInsyncReplicas).toBe(1);
    expect(config.uncleanLeaderElectionEnable).toBe(false);
    expect(config.messageMaxBytes).toBe(1_048_588);
    expect(config.logSegmentBytes).toBe(1_073_741_824);
  });

  it("resolves roles, voters and listeners", () => {
    const r = resolveServerConfig(combined);
    expect([...r.roles].sort()).toEqual(["broker", "controller"]);
    expect(r.voters.map((v) => `${v.id}@${v.host}:${v.port}`)).toEqual(["1@127.0.0.1:9093", "2@127.0.0.2:9093", "3@127.0.0.3:9093"]);
    expect(r.listeners).toEqual([
      { listener: "PLAINTEXT", host: "127.0.0.1", port: 9092 },
      { listener: "CONTROLLER", host: "127.0.0.1", port: 9093 },
    ]);
    expect(r.advertisedListeners).toEqual(r.listeners);
  });

  it("refuses cross-key mistakes, naming the key", () => {
    expect(refusal({ ...combined, "process.roles": "broker,zookeeper" }).key).toBe("process.roles");
    expect(refusal({ ...combined, "node.id": "7" }).key).toBe("controller.quorum.voters");
    expect(refusal({ ...combined, "process.roles": "broker" }).key).toBe("process.roles");
    expect(refusal({ ...combined, listeners: "PLAINTEXT://:9092" }).key).toBe("listeners");
    expect(refusal({ ...combined, "controller.quorum.voters": "" }).key).toBe("controller.quorum.voters");
    expect(refusal({ ...combined, "broker.heartbeat.interval.ms": "9000" }).key).toBe("broker.heartbeat.interval.ms");
    expect(refusal({ ...combined, "log.cleanup.policy": "delete,shred" }).key).toBe("log.cleanup.policy");
  });

  it("a broker serves every non-controller listener and advertises each; followers use inter.broker.listener.name", () => {
    // Kafka's docker port plan: one listener inside the network, one published on the host.
    const broker = {
      "process.roles": "broker",
      "node.id": "4",
      "controller.quorum.voters": combined["controller.quorum.voters"],
      listeners: "PLAINTEXT://:19092,PLAINTEXT_HOST://:29092",
      "advertised.listeners": "PLAINTEXT://broker-1:19092,PLAINTEXT_HOST://localhost:29092",
      "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
    };
    const r = resolveServerConfig(broker);
    expect(r.brokerListeners.map((l) => `${l.listener}:${l.port}`)).toEqual(["PLAINTEXT:19092", "PLAINTEXT_HOST:29092"]);
    expect(r.advertisedBrokerListeners.map((l) => `${l.listener}://${l.host}:${l.port}`)).toEqual(["PLAINTEXT://broker-1:19092", "PLAINTEXT_HOST://localhost:29092"]);
    expect(r.config.interBrokerListenerName).toBe("PLAINTEXT");
    // The controller's own listener is no broker listener, in combined mode either.
    expect(resolveServerConfig(combined).brokerListeners.map((l) => l.listener)).toEqual(["PLAINTEXT"]);

    const without = (key: string) => Object.fromEntries(Object.entries(broker).filter(([k]) => k !== key));
    expect(refusal(without("listener.security.protocol.map")).message).toMatch(/listener PLAINTEXT_HOST has no security protocol/);
    expect(refusal({ ...broker, "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:SSL" }).message).toMatch(/PLAINTEXT only/);
    expect(refusal({ ...broker, "inter.broker.listener.name": "INTERNAL" }).key).toBe("inter.broker.listener.name");
    expect(refusal({ ...broker, "advertised.listeners": "PLAINTEXT_HOST://localhost:29092" }).key).toBe("inter.broker.listener.name");
    expect(refusal({ ...broker, "advertised.listeners": "PLAINTEXT://broker-1:19092,EXTERNAL://h:1" }).message).toMatch(/EXTERNAL is not one of the listeners/);
    expect(refusal({ ...broker, "advertised.listeners": "PLAINTEXT://:19092" }).key).toBe("advertised.listeners");
  });

  it("parses listeners and voters strictly", () => {
    expect(parseListener("CONTROLLER://:9093")).toEqual({ listener: "CONTROLLER", host: "", port: 9093 });
    expect(parseListener("PLAINTEXT://[::1]:9092")).toEqual({ listener: "PLAINTEXT", host: "::1", port: 9092 });
    expect(() => parseListener("localhost:9092")).toThrow(ConfigError);
    expect(() => parseListener("PLAINTEXT://h:99999")).toThrow(/out of range/);
    expect(parseQuorumVoter("3@controller-3:9093")).toEqual({ id: 3, host: "controller-3", port: 9093 });
    expect(() => parseQuorumVoter("controller-3:9093")).toThrow(ConfigError);
  });

  it("has every key exactly once", () => {
    expect(new Set(serverConfigDef.names()).size).toBe(serverConfigDef.names().length);
  });
});
