// Timers that fire only when a test advances them, on a ManualClock: deadlines, linger and backoff
// are then checked without waiting.
import { ManualClock } from "@replog/common";
import type { TimerHandle, Timers } from "../timers.js";

export class ManualTimers implements Timers {
  private readonly due = new Map<number, { atMs: number; fn: () => void }>();
  private nextId = 1;

  constructor(readonly clock: ManualClock = new ManualClock()) {}

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.due.set(id, { atMs: this.clock.nowMs() + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.due.delete(handle as number);
  }

  get pending(): number {
    return this.due.size;
  }

  /** Moves time forward, firing every timer that falls due, in time order. */
  advance(ms: number): void {
    const end = this.clock.nowMs() + ms;
    for (;;) {
      const next = [...this.due].filter(([, t]) => t.atMs <= end).sort((a, b) => a[1].atMs - b[1].atMs || a[0] - b[0])[0];
      if (!next) break;
      this.due.delete(next[0]);
      this.clock.set(Math.max(this.clock.nowMs(), next[1].atMs));
      next[1].fn();
    }
    this.clock.set(end);
  }
}
