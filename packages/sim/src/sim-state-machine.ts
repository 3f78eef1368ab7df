// The replicated state machine each simulated node applies committed entries to: the applied
// entry sequence, folded into a hash chain (TigerBeetle's state checker does the same), so that
// "every node applied the same sequence" is one number per index. Its snapshot is that chain
// value, which lets the checker verify a snapshot against the committed history.

import { assert, logIndex, type LogIndex } from "@replog/common";
import type { Entry, Snapshot } from "@replog/raft";

/** FNV-1a over the entry's index, term, type and payload, chained onto `previous`. */
export function chainEntry(previous: number, entry: Entry): number {
  let h = previous ^ 0x811c9dc5;
  const mixWord = (w: number): void => {
    for (let shift = 0; shift < 32; shift += 8) h = Math.imul(h ^ ((w >>> shift) & 0xff), 0x01000193);
  };
  mixWord(entry.index);
  mixWord(entry.term);
  mixWord(entry.type === "noop" ? 1 : 2);
  for (const byte of entry.data) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

export class SimStateMachine {
  private constructor(
    private appliedIndexNow: LogIndex,
    private chainNow: number,
  ) {}

  static empty(): SimStateMachine {
    return new SimStateMachine(logIndex(0), 0);
  }

  /** Restore from a snapshot's data (a node restarting, or installing a leader's snapshot). */
  static fromSnapshot(snapshot: Snapshot): SimStateMachine {
    if (snapshot.meta.index === 0) return SimStateMachine.empty();
    const { index, chain } = decodeSnapshotData(snapshot.data);
    assert(index === snapshot.meta.index, () => `snapshot data is for ${index}, meta says ${snapshot.meta.index}`);
    return new SimStateMachine(logIndex(index), chain);
  }

  get appliedIndex(): LogIndex {
    return this.appliedIndexNow;
  }

  get chain(): number {
    return this.chainNow;
  }

  apply(entry: Entry): void {
    assert(entry.index === this.appliedIndexNow + 1, () => `applied ${entry.index} after ${this.appliedIndexNow}: not in order`);
    this.chainNow = chainEntry(this.chainNow, entry);
    this.appliedIndexNow = entry.index;
  }

  snapshotData(): Uint8Array {
    const bytes = new Uint8Array(8);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, this.appliedIndexNow);
    view.setUint32(4, this.chainNow);
    return bytes;
  }
}

export function decodeSnapshotData(data: Uint8Array): { index: number; chain: number } {
  assert(data.length === 8, () => `snapshot data must be 8 bytes, got ${data.length}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { index: view.getUint32(0), chain: view.getUint32(4) };
}
