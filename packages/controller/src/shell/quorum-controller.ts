// The QuorumController shell (Kafka's QuorumController, split as STYLE.md asks): one queue of
// controller operations on the event loop. For each write, in order:
//   1. the pure ControllerCore computes { records, response } from the replayed state;
//   2. the records are proposed as ONE Raft entry (they commit together or not at all);
//   3. when that entry commits, every controller replays it (here via the metadata listener), and
//      the active controller answers the caller.
// Writes are serialized because the core decides from replayed state only (see controller-core.ts);
// metadata operations are rare enough that one commit round trip each is fine.
//
// Only the active controller writes. Losing leadership fails every waiting operation with
// NOT_CONTROLLER; a new active controller first gives every broker a fresh session (Kafka §6.13).

import { logIndex, type Logger, type LogIndex, type Random, type Term } from "@replog/common";
import { encodeMetadataEntry, type MetadataRecord } from "@replog/metadata";
import type { Entry, MetadataStateMachine, RaftDriver, Snapshot } from "@replog/raft-shell";
import { ControllerCore, apiError, type ApiError, type ControllerCoreOptions, type ControllerResult } from "../core/index.js";

export class NotControllerError extends Error {
  readonly type = "NOT_CONTROLLER";
  readonly code = 41;
  constructor(readonly leaderHint: number | null) {
    super(leaderHint === null ? "no active controller is known" : `this node is not the active controller (try node ${leaderHint})`);
  }
}

interface Pending {
  readonly index: LogIndex;
  readonly term: Term;
  resolve(): void;
  reject(e: Error): void;
}

/** Bound on queued operations: back-pressure instead of growth. */
export const PENDING_OPERATIONS_MAX = 10_000;
/** How long a write waits for its commit before the caller is told REQUEST_TIMED_OUT. */
export const OPERATION_COMMIT_TIMEOUT_MS = 30_000;

export class OperationTimeoutError extends Error {
  readonly type = "REQUEST_TIMED_OUT";
  readonly code = 7;
}

export class QuorumController {
  private core: ControllerCore;
  private readonly queue: Array<() => Promise<void>> = [];
  private running = false;
  private readonly waiting = new Map<number, Pending>();
  /** A timed-out write whose entry is not settled yet: the queue waits for it. */
  private blockedUntil: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: Omit<ControllerCoreOptions, "random"> & { random: Random },
    private readonly driver: RaftDriver,
    metadata: MetadataStateMachine,
    private readonly isActive: () => boolean,
    private readonly nowMs: () => number,
    private readonly logger: Logger,
  ) {
    this.core = new ControllerCore(options);
    metadata.addListener({
      onEntry: (entry, records) => this.onEntry(entry, records),
      onSnapshotLoaded: (_image, records, snapshot) => this.onSnapshot(records, snapshot),
    });
  }

  get state(): ControllerCore {
    return this.core;
  }

  /** Runs a write: compute with the core, commit the records, then return the response. */
  write<T>(name: string, handler: (core: ControllerCore) => ControllerResult<T>): Promise<T> {
    if (this.queue.length >= PENDING_OPERATIONS_MAX) return Promise.reject(new Error(`controller queue full (${PENDING_OPERATIONS_MAX} operations)`));
    return new Promise<T>((resolve, reject) => {
      this.queue.push(async () => {
        try {
          resolve(await this.run(name, handler));
        } catch (e) {
          reject(e);
        }
      });
      void this.drain();
    });
  }

  /** Fails every waiting write: this node stopped being the active controller. */
  renounce(): void {
    const leader = this.driver.status().leader;
    for (const [index, p] of this.waiting) {
      p.reject(new NotControllerError(leader));
      this.waiting.delete(index);
    }
  }

  /** The node just became active: fresh broker sessions, so a failover does not fence brokers. */
  activate(): void {
    this.core.onNewActiveController(this.nowMs());
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        await this.blockedUntil;
        await this.queue.shift()!();
      }
    } finally {
      this.running = false;
    }
  }

  private async run<T>(name: string, handler: (core: ControllerCore) => ControllerResult<T>): Promise<T> {
    if (!this.isActive()) throw new NotControllerError(this.driver.status().leader);
    const result = handler(this.core);
    if (result.records.length === 0) return result.response;
    const proposed = this.driver.propose(encodeMetadataEntry(result.records));
    if (!proposed.ok) throw new NotControllerError(proposed.leader);
    const committed = new Promise<void>((resolve, reject) =>
      this.waiting.set(proposed.index, { index: proposed.index, term: proposed.term, resolve, reject }),
    );
    // The caller hears REQUEST_TIMED_OUT after OPERATION_COMMIT_TIMEOUT_MS, but the queue still waits
    // until the entry is replayed or leadership is lost: the next operation must be computed from
    // state that includes (or definitely excludes) this one.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OperationTimeoutError(`${name} not committed within ${OPERATION_COMMIT_TIMEOUT_MS} ms`)), OPERATION_COMMIT_TIMEOUT_MS);
    });
    const settled = committed.finally(() => clearTimeout(timer));
    this.blockedUntil = settled.catch(() => undefined);
    await Promise.race([settled, timedOut]);
    this.logger.debug({ operation: name, index: proposed.index, records: result.records.length }, "controller operation committed");
    return result.response;
  }

  private onEntry(entry: Entry, records: readonly MetadataRecord[]): void {
    for (const r of records) this.core.replay(r, entry.index);
    const p = this.waiting.get(entry.index);
    if (!p) return;
    this.waiting.delete(entry.index);
    // Another leader's entry at our index means ours was overwritten: it never committed.
    if (entry.term === p.term) p.resolve();
    else p.reject(new NotControllerError(this.driver.status().leader));
  }

  private onSnapshot(records: readonly MetadataRecord[], snapshot: Snapshot): void {
    this.core = new ControllerCore(this.options);
    for (const r of records) this.core.replay(r, logIndex(snapshot.meta.index));
    this.renounce();
  }
}

export type { ApiError };
export { apiError };
