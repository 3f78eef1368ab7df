import { describe, expect, it } from "vitest";
import { TOPIC_CONFIG } from "@replog/metadata";
import { ConfigurationControlManager } from "./configuration-control-manager.js";
import { ControllerTestContext } from "./test-support/controller-test-context.js";

const alterTopic = (ctx: ControllerTestContext, configs: { name: string; op: "SET" | "DELETE" | "APPEND" | "SUBTRACT"; value?: string }[], topic = "t") =>
  ctx.commit(ctx.core.incrementalAlterConfigs([{ resourceType: "TOPIC", resourceName: topic, configs }]))[0]!;

describe("ConfigurationControlManager", () => {
  it("has Kafka's topic defaults", () => {
    const config = new ConfigurationControlManager().effectiveTopicConfig("any");
    expect(config).toMatchObject({
      minInsyncReplicas: 1, uncleanLeaderElectionEnable: false, retentionMs: 604_800_000, retentionBytes: -1,
      segmentBytes: 1_073_741_824, cleanupPolicy: ["delete"], minCleanableDirtyRatio: 0.5, deleteRetentionMs: 86_400_000, maxMessageBytes: 1_048_588,
    });
    expect(TOPIC_CONFIG.names()).toContain("unclean.leader.election.enable");
  });

  it("layers topic config over the cluster default over server.properties", () => {
    const ctx = new ControllerTestContext({ staticTopicDefaults: { "min.insync.replicas": "2" } });
    ctx.activate(1);
    ctx.createTopic("t", [[1]]);
    expect(ctx.core.configs.effectiveTopicConfig("t").minInsyncReplicas).toBe(2);
    ctx.commit(ctx.core.incrementalAlterConfigs([{ resourceType: "BROKER", resourceName: "", configs: [{ name: "unclean.leader.election.enable", op: "SET", value: "true" }] }]));
    expect(ctx.core.configs.uncleanLeaderElectionEnabled("t")).toBe(true);
    alterTopic(ctx, [{ name: "unclean.leader.election.enable", op: "SET", value: "false" }]);
    expect(ctx.core.configs.uncleanLeaderElectionEnabled("t")).toBe(false);
  });

  it("sets, deletes, appends to and subtracts from topic configs, writing only what changed", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1);
    ctx.createTopic("t", [[1]], { "retention.ms": "10" });
    expect(alterTopic(ctx, [{ name: "retention.ms", op: "DELETE" }, { name: "cleanup.policy", op: "APPEND", value: "compact" }]).error).toBeUndefined();
    expect(Object.fromEntries(ctx.core.configs.configsOf("TOPIC", "t"))).toEqual({ "cleanup.policy": "delete,compact" });
    alterTopic(ctx, [{ name: "cleanup.policy", op: "SUBTRACT", value: "delete" }]);
    expect(ctx.core.configs.effectiveTopicConfig("t").cleanupPolicy).toEqual(["compact"]);
    const before = ctx.log.length;
    alterTopic(ctx, [{ name: "cleanup.policy", op: "SET", value: "compact" }]);
    expect(ctx.log.length).toBe(before);
  });

  it("refuses invalid values and unknown keys with INVALID_CONFIG naming the key, and writes nothing for that resource", () => {
    const ctx = new ControllerTestContext();
    ctx.activate(1);
    ctx.createTopic("t", [[1]]);
    const before = ctx.log.length;
    const bad = alterTopic(ctx, [{ name: "retention.ms", op: "SET", value: "1" }, { name: "min.cleanable.dirty.ratio", op: "SET", value: "2" }]);
    expect(bad.error).toMatchObject({ error: "INVALID_CONFIG", code: 40 });
    expect(bad.error!.message).toContain("min.cleanable.dirty.ratio");
    expect(alterTopic(ctx, [{ name: "no.such.config", op: "SET", value: "1" }]).error!.message).toContain("no.such.config");
    expect(alterTopic(ctx, [{ name: "retention.ms", op: "APPEND", value: "1" }]).error!.error).toBe("INVALID_CONFIG");
    expect(ctx.log.length).toBe(before);
  });

  it("refuses configs of unknown topics", () => {
    const ctx = new ControllerTestContext();
    expect(alterTopic(ctx, [{ name: "retention.ms", op: "SET", value: "1" }], "ghost").error!.error).toBe("UNKNOWN_TOPIC_OR_PARTITION");
  });

  it("validates broker configs against the server config definition", () => {
    const ctx = new ControllerTestContext();
    const [ok, bad] = ctx.commit(ctx.core.incrementalAlterConfigs([
      { resourceType: "BROKER", resourceName: "1", configs: [{ name: "min.insync.replicas", op: "SET", value: "2" }] },
      { resourceType: "BROKER", resourceName: "", configs: [{ name: "min.insync.replicas", op: "SET", value: "zero" }] },
    ]));
    expect(ok!.error).toBeUndefined();
    expect(bad!.error!.message).toContain("min.insync.replicas");
  });
});
