// A bounded window of in-flight Append messages to one follower (etcd's tracker/inflights.go).
// Each slot holds the last index an Append carried; an acknowledgement frees every slot up to the
// index it acknowledges. When the window is full the leader stops sending to that follower until
// something is acknowledged, which bounds memory and keeps a slow follower from being flooded.
import { assert, type LogIndex } from "@replog/common";

export class Inflights {
  /** Last index of each unacknowledged Append, oldest first. Invariant: length <= capacity, increasing. */
  private readonly indexes: LogIndex[] = [];

  constructor(readonly capacity: number) {
    assert(Number.isInteger(capacity) && capacity > 0, () => `inflights capacity ${capacity} must be a positive integer`);
  }

  add(index: LogIndex): void {
    assert(!this.full(), "cannot add to a full inflights window");
    const last = this.indexes[this.indexes.length - 1];
    assert(last === undefined || index > last, () => `inflight ${index} not after ${String(last)}`);
    this.indexes.push(index);
  }

  /** Frees every in-flight Append whose last index is <= index. */
  freeLE(index: LogIndex): void {
    let n = 0;
    while (n < this.indexes.length && this.indexes[n]! <= index) n++;
    if (n > 0) this.indexes.splice(0, n);
  }

  /** Frees the oldest slot: a heartbeat response shows the follower is alive, so let one probe through. */
  freeFirstOne(): void {
    this.indexes.shift();
  }

  full(): boolean {
    return this.indexes.length >= this.capacity;
  }

  count(): number {
    return this.indexes.length;
  }

  reset(): void {
    this.indexes.length = 0;
  }
}
