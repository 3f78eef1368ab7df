// Bad input at the controller quorum's network edge: whatever arrives, a controller logs why it
// dropped it and keeps serving; no vote is granted and no term moves because of it.

import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeQuorum } from "@replog/cli";
import { raftServiceDefinition } from "@replog/raft-shell";
import { TestCluster } from "./support/cluster.js";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start({ controllers: 3, brokers: 0, overrides: ["controller.quorum.election.timeout.ms=500"] });
});
afterAll(async () => {
  await cluster?.destroy();
});

/** Opens the Raft Send stream to a controller with a serializer that writes exactly `bytes`. */
function sendRaw(address: string, frames: readonly Buffer[]): Promise<void> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise<void>((resolve) => {
    const stream = client.makeClientStreamRequest<Buffer, unknown>(
      "/replog.raft.v1.Raft/Send",
      (b) => b,
      (b) => b,
      () => {
        client.close();
        resolve();
      },
    );
    for (const f of frames) stream.write(f);
    stream.end();
  });
}

function sendMessages(address: string, messages: readonly Record<string, unknown>[]): Promise<void> {
  const serialize = raftServiceDefinition().service.Send!.requestSerialize;
  return sendRaw(address, messages.map((m) => serialize(m)));
}

describe("controller quorum: bad input", () => {
  it("drops garbage, unknown types, strangers and other clusters without losing its leader or term", async () => {
    const before = await describeQuorum(cluster.file().bootstrapControllers);
    const clusterId = cluster.file().clusterId;
    const follower = cluster.file().nodes.find((n) => n.nodeId !== before.leaderId)!;
    const leader = cluster.node(before.leaderId);
    const huge = Number(before.leaderEpoch) + 1000;
    for (const target of [leader, follower]) {
      const address = `${target.host}:${target.controllerPort}`;
      await sendRaw(address, [Buffer.from("this is not a protobuf message at all"), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])]);
      await sendMessages(address, [
        { type: "Gossip", from: 1, to: target.nodeId, term: 1, clusterId },
        // A vote request from a node that is not a voter, with a term far ahead.
        { type: "Vote", from: 77, to: target.nodeId, term: huge, lastLogIndex: 1_000_000, lastLogTerm: huge - 1, clusterId },
        // The same from a real voter id, but from another cluster.
        { type: "Vote", from: follower.nodeId, to: target.nodeId, term: huge, lastLogIndex: 1_000_000, lastLogTerm: huge - 1, clusterId: "AAAAAAAAAAAAAAAAAAAAAA" },
        // Negative and inconsistent fields.
        { type: "Append", from: before.leaderId, to: target.nodeId, term: Number(before.leaderEpoch), prevLogIndex: 5, prevLogTerm: 99, entries: [{ term: 1, index: 3, type: "normal", data: Buffer.from("x") }], commit: 0, clusterId },
      ]);
    }
    // Still the same leader and term, and every controller still answers.
    const after = await describeQuorum(cluster.file().bootstrapControllers);
    expect(after.leaderId).toBe(before.leaderId);
    expect(Number(after.leaderEpoch)).toBe(Number(before.leaderEpoch));
    for (const n of cluster.file().nodes) {
      const res = await describeQuorum(`${n.host}:${n.controllerPort}`);
      expect(res.leaderId).toBe(before.leaderId);
    }
    const logs = cluster.file().nodes.map((n) => cluster.log(n.nodeId)).join("\n");
    expect(logs).toMatch(/dropped a malformed Raft message|dropping (malformed )?message/);
    expect(logs).not.toMatch(/"level":60/); // no fatal line
  });
});
