// Converts the Raft core's messages to and from their protobuf form (protos/replog/raft.proto).
// The wire form is flat; each message type reads only its own fields. Conversion checks only the
// shape that protobuf cannot (the type name); the core's validateMessage judges the rest, so a
// malformed message is refused in one place with a reason.

import type { LogIndex, NodeId, Term } from "@replog/common";
import type { Entry, Message, Snapshot } from "@replog/raft";

export interface WireEntry {
  term: number;
  index: number;
  type: string;
  data: Uint8Array;
}

export interface WireSnapshot {
  index: number;
  term: number;
  voters: number[];
  data: Uint8Array;
}

/** The protobuf object as @grpc/proto-loader presents it (camelCase, longs as numbers, defaults filled). */
export interface WireMessage {
  type: string;
  from: number;
  to: number;
  term: number;
  lastLogIndex: number;
  lastLogTerm: number;
  transfer: boolean;
  reject: boolean;
  prevLogIndex: number;
  prevLogTerm: number;
  entries: WireEntry[];
  commit: number;
  index: number;
  rejectHint: number;
  hintTerm: number;
  snapshot: WireSnapshot | null;
  fetchIndex: number;
  lastFetchedTerm: number;
  outcome: string;
  leaderHint: number;
  clusterId: string;
}

const TYPES = new Set([
  "PreVote", "Vote", "PreVoteResponse", "VoteResponse", "Append", "AppendResponse", "Heartbeat",
  "HeartbeatResponse", "Snapshot", "TimeoutNow", "Fetch", "FetchResponse",
]);

const entryToWire = (e: Entry): WireEntry => ({ term: e.term, index: e.index, type: e.type, data: e.data });
const entryFromWire = (e: WireEntry): Entry => ({
  term: e.term as Term,
  index: e.index as LogIndex,
  type: e.type === "noop" ? "noop" : "normal",
  data: e.data,
});
const snapshotFromWire = (s: WireSnapshot): Snapshot => ({
  meta: { index: s.index as LogIndex, term: s.term as Term, voters: s.voters as NodeId[] },
  data: s.data,
});

export function messageToWire(m: Message, clusterId: string): Partial<WireMessage> {
  const out: Partial<WireMessage> = { type: m.type, from: m.from, to: m.to, term: m.term, clusterId };
  switch (m.type) {
    case "PreVote":
    case "Vote":
      return { ...out, lastLogIndex: m.lastLogIndex, lastLogTerm: m.lastLogTerm, transfer: m.transfer ?? false };
    case "PreVoteResponse":
    case "VoteResponse":
      return { ...out, reject: m.reject };
    case "Append":
      return { ...out, prevLogIndex: m.prevLogIndex, prevLogTerm: m.prevLogTerm, entries: m.entries.map(entryToWire), commit: m.commit };
    case "AppendResponse":
      return { ...out, index: m.index, reject: m.reject, rejectHint: m.rejectHint, hintTerm: m.hintTerm };
    case "Heartbeat":
      return { ...out, commit: m.commit };
    case "HeartbeatResponse":
    case "TimeoutNow":
      return out;
    case "Snapshot":
      return { ...out, snapshot: { index: m.snapshot.meta.index, term: m.snapshot.meta.term, voters: [...m.snapshot.meta.voters], data: m.snapshot.data } };
    case "Fetch":
      return { ...out, fetchIndex: m.fetchIndex, lastFetchedTerm: m.lastFetchedTerm };
    case "FetchResponse":
      return {
        ...out,
        outcome: m.outcome,
        fetchIndex: m.fetchIndex,
        lastFetchedTerm: m.lastFetchedTerm,
        entries: m.entries.map(entryToWire),
        commit: m.commit,
        rejectHint: m.rejectHint,
        hintTerm: m.hintTerm,
        leaderHint: m.leaderHint ?? -1,
      };
  }
}

export type FromWire = { ok: true; message: Message } | { ok: false; reason: string };

export function messageFromWire(w: WireMessage, clusterId: string): FromWire {
  if (w.clusterId !== clusterId) return { ok: false, reason: `cluster id ${JSON.stringify(w.clusterId)} is not ours (${clusterId})` };
  if (!TYPES.has(w.type)) return { ok: false, reason: `unknown message type ${JSON.stringify(w.type)}` };
  const base = { from: w.from as NodeId, to: w.to as NodeId, term: w.term as Term };
  let message: Message;
  switch (w.type) {
    case "PreVote":
    case "Vote":
      message = { ...base, type: w.type, lastLogIndex: w.lastLogIndex as LogIndex, lastLogTerm: w.lastLogTerm as Term, transfer: w.transfer };
      break;
    case "PreVoteResponse":
    case "VoteResponse":
      message = { ...base, type: w.type, reject: w.reject };
      break;
    case "Append":
      message = { ...base, type: "Append", prevLogIndex: w.prevLogIndex as LogIndex, prevLogTerm: w.prevLogTerm as Term, entries: (w.entries ?? []).map(entryFromWire), commit: w.commit as LogIndex };
      break;
    case "AppendResponse":
      message = { ...base, type: "AppendResponse", index: w.index as LogIndex, reject: w.reject, rejectHint: w.rejectHint as LogIndex, hintTerm: w.hintTerm as Term };
      break;
    case "Heartbeat":
      message = { ...base, type: "Heartbeat", commit: w.commit as LogIndex };
      break;
    case "HeartbeatResponse":
    case "TimeoutNow":
      message = { ...base, type: w.type };
      break;
    case "Snapshot":
      if (!w.snapshot) return { ok: false, reason: "Snapshot message without a snapshot" };
      message = { ...base, type: "Snapshot", snapshot: snapshotFromWire(w.snapshot) };
      break;
    case "Fetch":
      message = { ...base, type: "Fetch", fetchIndex: w.fetchIndex as LogIndex, lastFetchedTerm: w.lastFetchedTerm as Term };
      break;
    default: {
      const outcome = w.outcome;
      if (outcome !== "entries" && outcome !== "diverging" && outcome !== "not-leader") return { ok: false, reason: `unknown fetch outcome ${JSON.stringify(outcome)}` };
      message = {
        ...base,
        type: "FetchResponse",
        outcome,
        fetchIndex: w.fetchIndex as LogIndex,
        lastFetchedTerm: w.lastFetchedTerm as Term,
        entries: (w.entries ?? []).map(entryFromWire),
        commit: w.commit as LogIndex,
        rejectHint: w.rejectHint as LogIndex,
        hintTerm: w.hintTerm as Term,
        leaderHint: w.leaderHint < 0 ? null : (w.leaderHint as NodeId),
      };
    }
  }
  return { ok: true, message };
}
