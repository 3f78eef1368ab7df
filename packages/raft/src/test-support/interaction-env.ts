// The interpreter behind the datadriven transcripts in ../testdata/*.txt (etcd's
// rafttest.InteractionEnv, much reduced). Each command acts on a small cluster and returns the
// text it printed, rendered with describe.ts so transcripts are stable, readable diffs.
//
//   cluster voters=1,2,3 [observers=4] [prevote=false] [checkquorum=false] [term=3] [log-2=1,1,2]
//                               (log-N: the terms of node N's durable log at indexes 1, 2, ...)
//   campaign 1                  start an election on node 1 (prints nothing; use process-ready)
//   propose 1 some-data         propose on node 1; prints the result
//   tick 1 [n]                  tick node 1 n times (no delivery)
//   tick-all [n]                tick every node n times, stabilizing after each round
//   process-ready 1             print node 1's Ready and queue its messages
//   deliver-msgs [1]            deliver queued messages (to node 1 only, if given); prints them
//   stabilize                   process-ready and deliver-msgs until nothing moves; prints it all
//   isolate 3 | recover         cut node 3 off from everyone | restore every link
//   transfer-leadership 1 2     ask leader 1 to hand over to 2
//   compact 1                   snapshot node 1's applied state and compact its log
//   status 1 | raft-log 1       print node 1's status | its durable log
import { RecordingLogger, SeededRandom, logIndex, nodeId, type NodeId } from "@replog/common";
import { describeEntry, describeMessage, describeReady, describeSnapshot, describeStatus } from "../describe.js";
import type { Message } from "../messages.js";
import { RawNode, type Ready } from "../raw-node.js";
import { MemoryStorage } from "../storage.js";
import { entries } from "./fixtures.js";

interface EnvNode {
  id: NodeId;
  node: RawNode;
  storage: MemoryStorage;
}

export interface Command {
  name: string;
  /** Every word after the name, as written. */
  words: string[];
  positional: string[];
  keyed: Map<string, string>;
}

export function parseCommand(line: string): Command {
  const [name, ...rest] = line.trim().split(/\s+/);
  const positional: string[] = [];
  const keyed = new Map<string, string>();
  for (const word of rest) {
    const eq = word.indexOf("=");
    if (eq > 0) keyed.set(word.slice(0, eq), word.slice(eq + 1));
    else positional.push(word);
  }
  return { name: name ?? "", words: rest, positional, keyed };
}

const numList = (s: string | undefined): number[] => (s ? s.split(",").map(Number) : []);

export class InteractionEnv {
  private nodes = new Map<NodeId, EnvNode>();
  private queue: Message[] = [];
  private isolated = new Set<NodeId>();

  handle(cmd: Command): string {
    const n = (i: number) => this.get(Number(cmd.words[i]));
    switch (cmd.name) {
      case "cluster":
        return this.cluster(cmd);
      case "campaign":
        n(0).node.campaign();
        return "ok";
      case "propose": {
        const r = n(0).node.propose(new TextEncoder().encode(cmd.words.slice(1).join(" ")));
        return r.ok ? `ok index=${r.index} term=${r.term}` : `refused: ${r.reason} leader=${r.leader ?? "-"}`;
      }
      case "tick":
        for (let i = 0; i < Number(cmd.positional[1] ?? 1); i++) n(0).node.tick();
        return "ok";
      case "tick-all":
        return this.tickAll(Number(cmd.positional[0] ?? 1));
      case "process-ready":
        return this.processReady(n(0)).join("\n") || "<empty>";
      case "deliver-msgs":
        return this.deliver(cmd.positional[0] === undefined ? undefined : nodeId(Number(cmd.positional[0]))).join("\n") || "<none>";
      case "stabilize":
        return this.stabilize().join("\n") || "<quiet>";
      case "isolate":
        this.isolated.add(n(0).id);
        return "ok";
      case "recover":
        this.isolated.clear();
        return "ok";
      case "transfer-leadership":
        n(0).node.transferLeadership(nodeId(Number(cmd.positional[1])));
        return "ok";
      case "compact":
        return this.compact(n(0));
      case "status":
        return this.status(n(0));
      case "raft-log":
        return this.raftLog(n(0));
      default:
        throw new Error(`unknown command ${cmd.name}`);
    }
  }

  private get(id: number): EnvNode {
    const t = this.nodes.get(nodeId(id));
    if (!t) throw new Error(`no node ${id}`);
    return t;
  }

  private cluster(cmd: Command): string {
    const voters = numList(cmd.keyed.get("voters")).map(nodeId);
    const observers = numList(cmd.keyed.get("observers")).map(nodeId);
    const random = new SeededRandom(Number(cmd.keyed.get("seed") ?? 1));
    this.nodes = new Map();
    for (const id of [...voters, ...observers]) {
      const storage = new MemoryStorage(voters);
      storage.append(entries(...numList(cmd.keyed.get(`log-${id}`))));
      storage.setHardState({ term: Number(cmd.keyed.get("term") ?? 0) as never, vote: null, commit: 0 as never });
      const node = new RawNode(
        {
          id,
          voters,
          role: observers.includes(id) ? "observer" : "voter",
          electionTick: 10,
          heartbeatTick: 1,
          random: random.fork(),
          preVote: cmd.keyed.get("prevote") !== "false",
          checkQuorum: cmd.keyed.get("checkquorum") !== "false",
          logger: new RecordingLogger(),
        },
        storage,
      );
      this.nodes.set(id, { id, node, storage });
    }
    const logs = [...this.nodes.values()].filter((t) => t.storage.lastIndex() > 0).map((t) => `log-${t.id}=${this.raftLog(t).split("\n").length} entries`);
    return [`voters=(${voters.join(",")}) observers=(${observers.join(",")})`, ...logs].join("\n");
  }

  private processReady(t: EnvNode): string[] {
    if (!t.node.hasReady()) return [];
    const rd: Ready = t.node.ready();
    const out = [`> ${t.id} handling Ready`, ...describeReady(rd).map((line) => `  ${line}`)];
    if (rd.snapshot) t.storage.applySnapshot(rd.snapshot);
    t.storage.append(rd.entries);
    if (rd.hardState) t.storage.setHardState(rd.hardState);
    t.node.advance(rd);
    this.queue.push(...rd.messages);
    return out;
  }

  private deliver(to: NodeId | undefined): string[] {
    const out: string[] = [];
    const keep: Message[] = [];
    for (const m of this.queue) {
      if (to !== undefined && m.to !== to) {
        keep.push(m);
        continue;
      }
      if (this.isolated.has(m.from) || this.isolated.has(m.to)) {
        out.push(`  dropped ${describeMessage(m)}`);
        continue;
      }
      out.push(`  ${describeMessage(m)}`);
      this.get(m.to).node.step(m);
    }
    this.queue = keep;
    return out;
  }

  private stabilize(): string[] {
    const out: string[] = [];
    for (let round = 0; round < 1000; round++) {
      const before = out.length;
      for (const t of this.nodes.values()) out.push(...this.processReady(t));
      if (this.queue.length > 0) {
        out.push("> delivering");
        out.push(...this.deliver(undefined));
      }
      if (out.length === before) return out;
    }
    throw new Error("did not stabilize");
  }

  private tickAll(times: number): string {
    const out: string[] = [];
    for (let i = 0; i < times; i++) {
      for (const t of this.nodes.values()) t.node.tick();
      out.push(...this.stabilize());
    }
    return out.join("\n") || "<quiet>";
  }

  private compact(t: EnvNode): string {
    const applied = t.node.status().applied;
    const snap = t.storage.createSnapshot(applied, new TextEncoder().encode(`image@${applied}`));
    t.storage.compact(applied);
    return describeSnapshot(snap);
  }

  private status(t: EnvNode): string {
    return describeStatus(t.node.status()).join("\n");
  }

  private raftLog(t: EnvNode): string {
    const first = t.storage.firstIndex();
    const ents = t.storage.entries(first, logIndex(t.storage.lastIndex() + 1));
    const head = t.storage.snapshot().meta.index > 0 ? [describeSnapshot(t.storage.snapshot())] : [];
    return [...head, ...ents.map(describeEntry)].join("\n") || "<empty log>";
  }
}
