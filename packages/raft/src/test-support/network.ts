// A tiny synchronous network of RawNodes for unit tests (etcd raft_test.go's `network`). Not the
// simulator: no clock, no delays, no reordering; messages are delivered in send order until the
// network is quiet. Links can be cut, nodes isolated and message types dropped.
import { RecordingLogger, SeededRandom, nodeId, type Logger, type NodeId } from "@replog/common";
import type { RaftConfig } from "../config.js";
import type { Entry, Message, MessageType, Snapshot } from "../messages.js";
import { RawNode, type Ready } from "../raw-node.js";
import { MemoryStorage } from "../storage.js";

export interface TestNode {
  readonly id: NodeId;
  readonly node: RawNode;
  readonly storage: MemoryStorage;
  /** Every committed entry this node applied, in order. */
  readonly applied: Entry[];
  /** Every snapshot this node was handed to load. */
  readonly snapshots: Snapshot[];
}

export type Filter = (m: Message) => boolean;

export const ids = (...ns: number[]): NodeId[] => ns.map(nodeId);

export interface NetworkOptions {
  voters: number[];
  observers?: number[];
  seed?: number;
  config?: Partial<Omit<RaftConfig, "id" | "voters" | "random">>;
  /** Pre-filled storage per node id, e.g. for Figure 7 logs. */
  storages?: Map<number, MemoryStorage>;
  logger?: Logger;
}

export class Network {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages delivered so far, in order (for assertions on traffic). */
  readonly delivered: Message[] = [];
  private readonly cuts = new Set<string>();
  private readonly droppedTypes = new Set<MessageType>();
  private readonly filters: Filter[] = [];
  private readonly rewriters: ((m: Message) => Message)[] = [];
  readonly logger: RecordingLogger;

  constructor(opts: NetworkOptions) {
    this.logger = new RecordingLogger();
    const random = new SeededRandom(opts.seed ?? 1);
    const voters = ids(...opts.voters);
    for (const n of [...opts.voters, ...(opts.observers ?? [])]) {
      const id = nodeId(n);
      const storage = opts.storages?.get(n) ?? new MemoryStorage(voters);
      const node = new RawNode(
        {
          electionTick: 10,
          heartbeatTick: 1,
          ...opts.config,
          id,
          voters,
          role: opts.observers?.includes(n) ? "observer" : "voter",
          random: random.fork(),
          logger: opts.logger ?? this.logger,
        },
        storage,
      );
      this.nodes.set(id, { id, node, storage, applied: [], snapshots: [] });
    }
  }

  get(n: number): TestNode {
    const t = this.nodes.get(nodeId(n));
    if (!t) throw new Error(`no node ${n}`);
    return t;
  }

  cut(a: number, b: number): void {
    this.cuts.add(`${a}-${b}`);
    this.cuts.add(`${b}-${a}`);
  }

  isolate(a: number): void {
    for (const b of this.nodes.keys()) if (b !== a) this.cut(a, b);
  }

  recover(): void {
    this.cuts.clear();
    this.droppedTypes.clear();
    this.filters.length = 0;
    this.rewriters.length = 0;
  }

  /** Changes messages in flight, e.g. to model a leader that sent only part of a batch before it stopped. */
  rewrite(f: (m: Message) => Message): void {
    this.rewriters.push(f);
  }

  drop(...types: MessageType[]): void {
    for (const t of types) this.droppedTypes.add(t);
  }

  /** Drops every message for which `f` returns true. */
  filter(f: Filter): void {
    this.filters.push(f);
  }

  private allowed(m: Message): boolean {
    if (this.cuts.has(`${m.from}-${m.to}`)) return false;
    if (this.droppedTypes.has(m.type)) return false;
    return !this.filters.some((f) => f(m));
  }

  /** Runs one node's shell loop once: persist, collect messages, apply, advance. */
  processReady(t: TestNode): Message[] {
    if (!t.node.hasReady()) return [];
    const rd: Ready = t.node.ready();
    if (rd.snapshot) {
      t.storage.applySnapshot(rd.snapshot);
      t.snapshots.push(rd.snapshot);
    }
    t.storage.append(rd.entries);
    if (rd.hardState) t.storage.setHardState(rd.hardState);
    t.applied.push(...rd.committedEntries);
    t.node.advance(rd);
    return [...rd.messages];
  }

  /** Processes every node's Ready and delivers messages until nothing moves (bounded). */
  stabilize(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      const out: Message[] = [];
      for (const t of this.nodes.values()) out.push(...this.processReady(t));
      for (const m of out) this.deliver(m);
      if (out.length === 0 && ![...this.nodes.values()].some((t) => t.node.hasReady())) return;
    }
    throw new Error("network did not stabilize");
  }

  /** Delivers one message now if the links allow it. */
  deliver(original: Message): void {
    if (!this.allowed(original)) return;
    const m = this.rewriters.reduce((acc, f) => f(acc), original);
    const target = this.nodes.get(m.to);
    if (!target) return;
    this.delivered.push(m);
    target.node.step(m);
  }

  /** Ticks every node (or only the listed ones) once, then stabilizes; `times` rounds. */
  tickAll(times = 1, only?: number[]): void {
    for (let i = 0; i < times; i++) {
      for (const t of this.nodes.values()) if (!only || only.includes(t.id)) t.node.tick();
      this.stabilize();
    }
  }

  /** Ticks until `done` holds (at most `max` rounds); returns whether it did. */
  tickUntil(done: () => boolean, max = 200): boolean {
    for (let i = 0; i < max; i++) {
      if (done()) return true;
      this.tickAll();
    }
    return done();
  }

  /** Campaigns on node n and stabilizes. */
  elect(n: number): void {
    this.get(n).node.campaign();
    this.stabilize();
  }

  propose(n: number, text: string): ReturnType<RawNode["propose"]> {
    const r = this.get(n).node.propose(new TextEncoder().encode(text));
    this.stabilize();
    return r;
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((t) => t.node.status().role === "leader").map((t) => t.id);
  }
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (e: Entry): string => new TextDecoder().decode(e.data);
