import { describe, expect, it } from "vitest";
import { logIndex, nodeId, term } from "@replog/common";
import type { Message } from "@replog/raft";
import { raftServiceDefinition } from "./grpc-raft-transport.js";
import { messageFromWire, messageToWire, type WireMessage } from "./raft-wire.js";

const CLUSTER = "AAAAAAAAAAAAAAAAAAAAAA";
const base = { from: nodeId(1), to: nodeId(2), term: term(5) };
const entry = { term: term(5), index: logIndex(8), type: "normal" as const, data: Buffer.from("rec") };

const samples: Message[] = [
  { ...base, type: "PreVote", lastLogIndex: logIndex(7), lastLogTerm: term(4), transfer: false },
  { ...base, type: "Vote", lastLogIndex: logIndex(7), lastLogTerm: term(4), transfer: true },
  { ...base, type: "VoteResponse", reject: true },
  { ...base, type: "PreVoteResponse", reject: false },
  { ...base, type: "Append", prevLogIndex: logIndex(7), prevLogTerm: term(4), entries: [entry, { ...entry, index: logIndex(9), type: "noop", data: Buffer.alloc(0) }], commit: logIndex(6) },
  { ...base, type: "AppendResponse", index: logIndex(7), reject: true, rejectHint: logIndex(3), hintTerm: term(2) },
  { ...base, type: "Heartbeat", commit: logIndex(6) },
  { ...base, type: "HeartbeatResponse" },
  { ...base, type: "TimeoutNow" },
  { ...base, type: "Snapshot", snapshot: { meta: { index: logIndex(40), term: term(3), voters: [nodeId(1), nodeId(2), nodeId(3)] }, data: Buffer.from("image") } },
  { ...base, type: "Fetch", fetchIndex: logIndex(12), lastFetchedTerm: term(4) },
  { ...base, type: "FetchResponse", outcome: "entries", fetchIndex: logIndex(7), lastFetchedTerm: term(4), entries: [entry], commit: logIndex(8), rejectHint: logIndex(0), hintTerm: term(0), leaderHint: null },
  { ...base, type: "FetchResponse", outcome: "not-leader", fetchIndex: logIndex(7), lastFetchedTerm: term(4), entries: [], commit: logIndex(0), rejectHint: logIndex(0), hintTerm: term(0), leaderHint: nodeId(3) },
];

function throughProtobuf(m: Message): WireMessage {
  const method = raftServiceDefinition().service.Fetch!;
  const bytes = method.requestSerialize(messageToWire(m, CLUSTER));
  return method.requestDeserialize(bytes) as WireMessage;
}

describe("Raft messages on the wire", () => {
  it.each(samples.map((m) => [m.type, m] as const))("%s survives protobuf encoding unchanged", (_type, m) => {
    const back = messageFromWire(throughProtobuf(m), CLUSTER);
    expect(back.ok).toBe(true);
    const normalized = JSON.parse(JSON.stringify(back.ok ? back.message : null));
    expect(normalized).toEqual(JSON.parse(JSON.stringify(m)));
  });

  it("refuses a message from another cluster and an unknown type, with the reason", () => {
    const w = throughProtobuf(samples[0]!);
    expect(messageFromWire(w, "BBBBBBBBBBBBBBBBBBBBBB")).toEqual({ ok: false, reason: expect.stringMatching(/is not ours/) });
    expect(messageFromWire({ ...w, type: "Gossip" }, CLUSTER)).toEqual({ ok: false, reason: 'unknown message type "Gossip"' });
    expect(messageFromWire({ ...w, type: "Snapshot", snapshot: null }, CLUSTER)).toEqual({ ok: false, reason: "Snapshot message without a snapshot" });
  });
});
