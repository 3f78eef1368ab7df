// The simulator's single source of "when": a priority queue of events ordered by virtual time,
// with ties broken by insertion order. Nothing in a simulated run happens except by popping the
// next event from here, so a run is a pure function of its seed (TigerBeetle VOPR, FoundationDB).
//
// Called by the simulation loop (`raft-simulation.ts`) on its only thread.

import { assert } from "@replog/common";

interface Slot<E> {
  readonly atMs: number;
  /** Insertion sequence number: the tie-breaker that keeps equal-time events in FIFO order. */
  readonly seq: number;
  readonly event: E;
}

/** A binary min-heap on (atMs, seq). */
export class EventQueue<E> {
  private readonly heap: Slot<E>[] = [];
  private seqNext = 0;

  /** Bound on pending events: a run that schedules more than this is itself a bug. */
  constructor(private readonly pendingMax = 1_000_000) {}

  get size(): number {
    return this.heap.length;
  }

  push(atMs: number, event: E): void {
    assert(Number.isFinite(atMs) && atMs >= 0, () => `event time must be finite and >= 0, got ${atMs}`);
    assert(this.heap.length < this.pendingMax, () => `event queue over its bound of ${this.pendingMax}`);
    this.heap.push({ atMs, seq: this.seqNext++, event });
    this.siftUp(this.heap.length - 1);
  }

  /** Time of the next event, or undefined when the queue is empty. */
  peekTimeMs(): number | undefined {
    return this.heap[0]?.atMs;
  }

  pop(): { atMs: number; event: E } | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return { atMs: top.atMs, event: top.event };
  }

  private less(i: number, j: number): boolean {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i]!;
    this.heap[i] = this.heap[j]!;
    this.heap[j] = t;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.heap.length;
    while (true) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.less(left, smallest)) smallest = left;
      if (right < n && this.less(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}
