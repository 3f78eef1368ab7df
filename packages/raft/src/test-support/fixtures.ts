// Helpers for tests that drive one RawNode by hand: build it in a given state, feed it
// messages, and read what it would send (etcd raft_paper_test.go style: init, act, check).
import { RecordingLogger, SeededRandom, logIndex, nodeId, term, type NodeId } from "@replog/common";
import type { RaftConfig } from "../config.js";
import type { Entry, Message } from "../messages.js";
import { RawNode, type Ready } from "../raw-node.js";
import { MemoryStorage } from "../storage.js";

/** The same shape with branded numbers (NodeId, Term, LogIndex) as plain numbers, for terse tests. */
type Unbrand<T> = T extends number
  ? number
  : T extends Uint8Array
    ? Uint8Array
    : T extends readonly (infer U)[]
      ? readonly Unbrand<U>[]
      : T extends object
        ? { [K in keyof T]: Unbrand<T[K]> }
        : T;
type Distribute<T> = T extends Message ? Unbrand<T> : never;
export type MessageInput = Distribute<Message>;

/** Entries with the given terms at indexes 1, 2, 3, ... */
export function entries(...terms: number[]): Entry[] {
  return terms.map((t, i) => ({ term: term(t), index: logIndex(i + 1), type: "normal" as const, data: new Uint8Array(0) }));
}

export function entryAt(index: number, t: number, data = ""): Entry {
  return { term: term(t), index: logIndex(index), type: "normal", data: new TextEncoder().encode(data) };
}

export interface Harness {
  readonly id: NodeId;
  readonly node: RawNode;
  readonly storage: MemoryStorage;
  readonly logger: RecordingLogger;
  /** Committed entries handed out so far. */
  readonly applied: Entry[];
}

export interface NodeOptions {
  id?: number;
  voters?: number[];
  /** Terms of the entries already in the durable log (index 1..n). */
  log?: number[];
  term?: number;
  vote?: number | null;
  commit?: number;
  seed?: number;
  config?: Partial<Omit<RaftConfig, "id" | "voters" | "random" | "logger">>;
}

/** A node in "paper" Raft by default: no pre-vote, no check-quorum, unless config says otherwise. */
export function newNode(opts: NodeOptions = {}): Harness {
  const id = nodeId(opts.id ?? 1);
  const voters = (opts.voters ?? [1, 2, 3]).map(nodeId);
  const storage = new MemoryStorage(voters);
  storage.append(entries(...(opts.log ?? [])));
  storage.setHardState({ term: term(opts.term ?? 0), vote: opts.vote == null ? null : nodeId(opts.vote), commit: logIndex(opts.commit ?? 0) });
  const logger = new RecordingLogger();
  const node = new RawNode(
    { electionTick: 10, heartbeatTick: 1, preVote: false, checkQuorum: false, ...opts.config, id, voters, random: new SeededRandom(opts.seed ?? 7), logger },
    storage,
  );
  return { id, node, storage, logger, applied: [] };
}

/** Runs the shell loop until no Ready is left; returns every message it would have sent. */
export function drain(h: Harness): Message[] {
  const out: Message[] = [];
  for (let i = 0; i < 100 && h.node.hasReady(); i++) {
    const rd: Ready = h.node.ready();
    persist(h, rd);
    out.push(...rd.messages);
  }
  return out;
}

export function persist(h: Harness, rd: Ready): void {
  if (rd.snapshot) h.storage.applySnapshot(rd.snapshot);
  h.storage.append(rd.entries);
  if (rd.hardState) h.storage.setHardState(rd.hardState);
  h.applied.push(...rd.committedEntries);
  h.node.advance(rd);
}

/** Builds a message from plain numbers (ids and terms are branded in the core). */
export function msg(m: MessageInput): Message {
  return m as unknown as Message;
}

export function step(h: Harness, m: MessageInput): Message[] {
  h.node.step(msg(m));
  return drain(h);
}

/** Campaigns (paper mode: straight to candidate) and grants votes from the other voters until leader. */
export function makeLeader(h: Harness, grantFrom: number[] = [2]): Message[] {
  h.node.campaign();
  const out = drain(h);
  const t = h.node.status().term;
  for (const from of grantFrom) out.push(...step(h, { type: "VoteResponse", from, to: h.id, term: t, reject: false }));
  return out;
}

/** Acknowledges everything the leader has to the given followers, so their progress is "replicate". */
export function ackAll(h: Harness, followers: number[]): Message[] {
  const s = h.node.status();
  const out: Message[] = [];
  for (const from of followers) {
    out.push(...step(h, { type: "AppendResponse", from, to: h.id, term: s.term, index: s.lastIndex, reject: false, rejectHint: 0, hintTerm: 0 }));
  }
  return out;
}

export function logTerms(storage: MemoryStorage): number[] {
  const first = storage.firstIndex();
  const last = storage.lastIndex();
  return storage.entries(first, logIndex(last + 1)).map((e) => e.term);
}

/** The message variant whose `type` admits T (VoteRequest covers both "PreVote" and "Vote"). */
export type MessageOf<T extends Message["type"], M extends Message = Message> = M extends Message ? (T extends M["type"] ? M : never) : never;

export function ofType<T extends Message["type"]>(msgs: readonly Message[], type: T): MessageOf<T>[] {
  return msgs.filter((m): m is MessageOf<T> => m.type === type);
}
