// Idempotent producers (Kafka KIP-98, ProducerStateManager): per partition, for every producer id,
// its current epoch and the metadata of its last few batches. A leader checks each idempotent batch
// against it before appending: a retry of a batch it already has is answered with that batch's
// offsets and not appended again; a gap in the sequence is refused; an older epoch is fenced.
// Leaders and followers update it from the batches they append, so a new leader after a failover
// knows what the old one accepted; it is rebuilt from the log on start and trimmed on truncation.
//
// Sequences are per partition and per producer epoch, the first record of a batch carries
// baseSequence, the last baseSequence + lastOffsetDelta, and they wrap at 2^31 - 1 to 0.

/** Kafka keeps the metadata of the last five batches per producer (max.in.flight.requests ≤ 5). */
export const RETAINED_BATCHES_PER_PRODUCER = 5;
const MAX_SEQUENCE = 2_147_483_647;
/** RecordBatch.NO_PRODUCER_ID: a batch that is not idempotent. */
export const NO_PRODUCER_ID = -1n;

export interface IdempotentBatch {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly lastOffsetDelta: number;
}

interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

interface ProducerEntry {
  epoch: number;
  /** Oldest first; at most RETAINED_BATCHES_PER_PRODUCER. */
  batches: BatchMetadata[];
}

export type SequenceCheck =
  | { readonly kind: "append" }
  | { readonly kind: "duplicate"; readonly firstOffset: number; readonly lastOffset: number }
  | { readonly kind: "error"; readonly error: "INVALID_PRODUCER_EPOCH" | "OUT_OF_ORDER_SEQUENCE_NUMBER"; readonly message: string };

const lastSeqOf = (b: IdempotentBatch): number => (b.baseSequence + b.lastOffsetDelta) % (MAX_SEQUENCE + 1);
const next = (seq: number): number => (seq === MAX_SEQUENCE ? 0 : seq + 1);

export class ProducerStateTable {
  private readonly producers = new Map<bigint, ProducerEntry>();

  get size(): number {
    return this.producers.size;
  }

  /** Kafka ProducerAppendInfo.checkProducerEpoch + checkSequence, plus the duplicate search. */
  check(b: IdempotentBatch): SequenceCheck {
    if (b.producerId === NO_PRODUCER_ID) return { kind: "append" };
    const entry = this.producers.get(b.producerId);
    // An unknown producer (new, or its state has gone with the log) may start anywhere (KIP-360).
    if (entry === undefined) return { kind: "append" };
    if (b.producerEpoch < entry.epoch) {
      return { kind: "error", error: "INVALID_PRODUCER_EPOCH", message: `producer ${b.producerId} epoch ${b.producerEpoch} is older than the current epoch ${entry.epoch}` };
    }
    if (b.producerEpoch > entry.epoch) {
      if (b.baseSequence === 0) return { kind: "append" };
      return { kind: "error", error: "OUT_OF_ORDER_SEQUENCE_NUMBER", message: `producer ${b.producerId}: a new epoch ${b.producerEpoch} must start at sequence 0, not ${b.baseSequence}` };
    }
    const lastSeq = lastSeqOf(b);
    const dup = entry.batches.find((m) => m.firstSeq === b.baseSequence && m.lastSeq === lastSeq);
    if (dup) return { kind: "duplicate", firstOffset: dup.firstOffset, lastOffset: dup.lastOffset };
    const last = entry.batches[entry.batches.length - 1];
    if (last !== undefined && b.baseSequence !== next(last.lastSeq)) {
      return {
        kind: "error",
        error: "OUT_OF_ORDER_SEQUENCE_NUMBER",
        message: `producer ${b.producerId} epoch ${b.producerEpoch}: expected sequence ${next(last.lastSeq)}, got ${b.baseSequence}`,
      };
    }
    return { kind: "append" };
  }

  /** Records an appended batch (leader append, follower append, or the scan of an existing log). */
  onAppended(b: IdempotentBatch, firstOffset: number, lastOffset: number): void {
    if (b.producerId === NO_PRODUCER_ID) return;
    let entry = this.producers.get(b.producerId);
    if (entry === undefined || b.producerEpoch > entry.epoch) {
      entry = { epoch: b.producerEpoch, batches: [] };
      this.producers.set(b.producerId, entry);
    }
    entry.batches.push({ firstSeq: b.baseSequence, lastSeq: lastSeqOf(b), firstOffset, lastOffset });
    if (entry.batches.length > RETAINED_BATCHES_PER_PRODUCER) entry.batches.shift();
  }

  /**
   * The log lost every offset at or above `offset` (truncation by leader epoch): forget those
   * batches. A producer left without batches is forgotten, and starts again wherever it is.
   */
  truncateFrom(offset: number): void {
    for (const [id, entry] of this.producers) {
      entry.batches = entry.batches.filter((m) => m.lastOffset < offset);
      if (entry.batches.length === 0) this.producers.delete(id);
    }
  }

  clear(): void {
    this.producers.clear();
  }
}
