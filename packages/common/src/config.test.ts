import { describe, expect, it } from "vitest";
import {
  ConfigError,
  bool,
  configFromEnv,
  configKeyToEnvName,
  defineConfig,
  envNameToConfigKey,
  int,
  list,
  long,
  oneOf,
  parseOverride,
  parseProperties,
  string,
} from "./config.js";

const def = defineConfig({
  nodeId: int("node.id", undefined, { min: 0 }),
  replicaLagTimeMaxMs: long("replica.lag.time.max.ms", 30_000, { min: 0 }),
  uncleanLeaderElectionEnable: bool("unclean.leader.election.enable", false),
  cleanupPolicy: list("cleanup.policy", ["delete"]),
  compressionType: oneOf("compression.type", ["none", "gzip", "producer"], "producer"),
  logDirs: string("log.dirs", "/tmp/replog-logs"),
});

describe("defineConfig", () => {
  it("maps Kafka names to camelCase fields and fills Kafka's defaults", () => {
    const cfg = def.parse({ "node.id": "4", "unclean.leader.election.enable": "TRUE" });
    expect(cfg).toEqual({
      nodeId: 4,
      replicaLagTimeMaxMs: 30_000,
      uncleanLeaderElectionEnable: true,
      cleanupPolicy: ["delete"],
      compressionType: "producer",
      logDirs: "/tmp/replog-logs",
    });
  });

  it("refuses an unknown key, naming it", () => {
    expect(() => def.parse({ "node.id": "1", "replica.lag.time.max": "5" })).toThrow(
      /Invalid config replica\.lag\.time\.max: unknown configuration key/,
    );
  });

  it("refuses invalid values, naming the key and the reason", () => {
    const bad: Array<[string, string, RegExp]> = [
      ["replica.lag.time.max.ms", "soon", /not a valid long/],
      ["replica.lag.time.max.ms", "-1", /at least 0/],
      ["unclean.leader.election.enable", "yes", /not a valid boolean/],
      ["compression.type", "brotli", /one of \[none, gzip, producer\]/],
      ["node.id", "99999999999", /not a valid int/],
    ];
    for (const [k, v, why] of bad) {
      const err = (() => {
        try {
          def.parse({ "node.id": "1", [k]: v });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).key).toBe(k);
      expect((err as ConfigError).message).toMatch(why);
    }
  });

  it("refuses a missing required key", () => {
    expect(() => def.parse({})).toThrow(/node\.id: missing required/);
  });

  it("describes values back in Kafka's names", () => {
    const rows = def.describe(def.parse({ "node.id": "1", "cleanup.policy": "delete,compact" }));
    expect(rows.find((r) => r.name === "cleanup.policy")).toEqual({ name: "cleanup.policy", value: "delete,compact", isDefault: false });
    expect(rows.find((r) => r.name === "replica.lag.time.max.ms")?.isDefault).toBe(true);
  });
});

describe("config sources", () => {
  it("parses server.properties text", () => {
    const text = "# comment\n! also\n\nnode.id=1\nlog.dirs : /data/a \ncontroller.quorum.voters=1@h:9093,2@h:9093\n";
    expect(parseProperties(text)).toEqual({
      "node.id": "1",
      "log.dirs": "/data/a",
      "controller.quorum.voters": "1@h:9093,2@h:9093",
    });
    expect(() => parseProperties("just words here")).toThrow(ConfigError);
  });

  it("applies Kafka's docker naming rule both ways", () => {
    const names = ["replica.lag.time.max.ms", "some_key.with-dash", "a.b_c-d"];
    for (const n of names) expect(envNameToConfigKey(configKeyToEnvName(n))).toBe(n);
    expect(configKeyToEnvName("replica.lag.time.max.ms")).toBe("REPLOG_REPLICA_LAG_TIME_MAX_MS");
    expect(configKeyToEnvName("some_key.with-dash")).toBe("REPLOG_SOME__KEY_WITH___DASH");
    expect(configFromEnv({ REPLOG_NODE_ID: "3", PATH: "/bin", REPLOG_LOG_DIRS: "/d" }, ["REPLOG_LOG_DIRS"])).toEqual({ "node.id": "3" });
  });

  it("parses overrides", () => {
    expect(parseOverride("min.insync.replicas=2")).toEqual(["min.insync.replicas", "2"]);
    expect(parseOverride("a=b=c")).toEqual(["a", "b=c"]);
    expect(() => parseOverride("=x")).toThrow(ConfigError);
  });
});
