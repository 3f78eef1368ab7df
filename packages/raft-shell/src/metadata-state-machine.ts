// A node's view of committed metadata (controllers and brokers alike): every committed entry of the metadata log is
// replayed, in order, into a MetadataDelta and then a new immutable MetadataImage (Kafka's
// MetadataLoader). Snapshots are the image written as records. Runs on the node's event loop
// from the Raft driver's apply step.

import type { Logger, LogIndex } from "@replog/common";
import { MetadataDelta, MetadataImage, decodeMetadataEntry, encodeMetadataEntry, loadSnapshot, writeSnapshot, type MetadataRecord } from "@replog/metadata";
import type { Entry, Snapshot, SoftState } from "@replog/raft";
import type { StateMachine } from "./raft-driver.js";

export interface MetadataListener {
  /** Each committed entry with its records (none for the leader's noop), in log order. */
  onEntry?(entry: Entry, records: readonly MetadataRecord[]): void;
  /** Called after each applied batch of committed entries, with the records in log order. */
  onCommitted?(records: readonly MetadataRecord[], image: MetadataImage): void;
  onSnapshotLoaded?(image: MetadataImage, records: readonly MetadataRecord[], snapshot: Snapshot): void;
  onSoftState?(state: SoftState): void;
}

export class MetadataStateMachine implements StateMachine {
  private current: MetadataImage = MetadataImage.EMPTY;
  /** Bytes of entries applied since the last snapshot, for `metadata.log.max.record.bytes.between.snapshots`. */
  bytesSinceSnapshot = 0;
  private listeners: MetadataListener[] = [];

  constructor(private readonly logger: Logger) {}

  get image(): MetadataImage {
    return this.current;
  }

  get appliedIndex(): LogIndex {
    return this.current.provenance.lastIndex;
  }

  addListener(l: MetadataListener): void {
    this.listeners.push(l);
  }

  applyCommitted(entries: readonly Entry[]): void {
    const delta = new MetadataDelta(this.current);
    const records: MetadataRecord[] = [];
    for (const e of entries) {
      this.bytesSinceSnapshot += e.data.byteLength;
      if (e.type !== "normal" || e.data.byteLength === 0) {
        for (const l of this.listeners) l.onEntry?.(e, []);
        continue;
      }
      let decoded: MetadataRecord[];
      try {
        decoded = decodeMetadataEntry(e.data);
      } catch (err) {
        // A committed entry that does not decode cannot be skipped silently: every node would
        // diverge from the log. It means a newer version wrote it or the bytes are damaged.
        this.logger.fatal({ index: e.index, reason: (err as Error).message }, "committed metadata entry does not decode");
        throw err;
      }
      for (const r of decoded) delta.replay(r);
      records.push(...decoded);
      for (const l of this.listeners) l.onEntry?.(e, decoded);
    }
    const last = entries[entries.length - 1]!;
    this.current = delta.apply({ lastIndex: last.index, lastTerm: last.term });
    for (const l of this.listeners) l.onCommitted?.(records, this.current);
  }

  restoreSnapshot(snapshot: Snapshot): void {
    const records = snapshot.data.byteLength === 0 ? [] : decodeMetadataEntry(snapshot.data);
    this.current = loadSnapshot(records, { lastIndex: snapshot.meta.index, lastTerm: snapshot.meta.term });
    this.bytesSinceSnapshot = 0;
    this.logger.info({ index: snapshot.meta.index, term: snapshot.meta.term, records: records.length }, "loaded metadata snapshot");
    for (const l of this.listeners) l.onSnapshotLoaded?.(this.current, records, snapshot);
  }

  onSoftState(state: SoftState): void {
    for (const l of this.listeners) l.onSoftState?.(state);
  }

  /** The current image as snapshot bytes. */
  snapshotData(): Uint8Array {
    return encodeMetadataEntry(writeSnapshot(this.current));
  }
}
