// The producer's per-partition batching (Kafka `RecordAccumulator`), as pure bookkeeping: records
// are appended to the last open batch of their partition; a batch becomes sendable when it is full
// (`batch.size`), when it has waited `linger.ms`, when a flush is asked, or when the producer is
// out of `buffer.memory`; a failed batch goes back to the head of its partition's queue with a
// retry time, so records of a partition leave in the order they were appended. Time is passed in
// (`nowMs`); the producer shell owns the timers and the sending.
import { assert } from "@replog/common";
import { encodeRecordBatch, type CompressionType, type RecordHeader, type RecordInput } from "@replog/protocol";

/** Bytes a record adds to a batch, estimated as the protocol's encoder does (13 bytes of framing). */
export function estimateRecordBytes(key: Buffer | null, value: Buffer | null, headers: ReadonlyArray<RecordHeader>): number {
  let size = 13 + (key?.length ?? 0) + (value?.length ?? 0);
  for (const h of headers) size += Buffer.byteLength(h.key) + (h.value?.length ?? 0) + 2;
  return size;
}

/** RecordBatch v2 header bytes, counted once per batch. */
export const BATCH_OVERHEAD_BYTES = 61;

export interface BatchResult {
  baseOffset: number;
  logAppendTime: number;
  logStartOffset: number;
}

/** One batch of one partition, from the first append until the broker answers for it. */
export class ProducerBatch {
  readonly records: RecordInput[] = [];
  sizeBytes = BATCH_OVERHEAD_BYTES;
  /** Closed: no more appends (full, or acks/compression differ for the next record). */
  closed = false;
  attempts = 0;
  retryAtMs = 0;
  private encoded: Buffer | null = null;
  /** Set once, before the first send, for an idempotent producer: the wire batch it travels in. */
  sequenced: SequencedGroup | undefined;
  private settle!: { resolve(r: BatchResult): void; reject(e: Error): void };
  readonly done: Promise<BatchResult>;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly acks: number,
    readonly compression: CompressionType,
    readonly createdMs: number,
  ) {
    this.done = new Promise<BatchResult>((resolve, reject) => (this.settle = { resolve, reject }));
    // A send() that is not awaited must not crash the process with an unhandled rejection:
    // the error reaches every awaiting send() through its own await.
    this.done.catch(() => undefined);
  }

  get recordCount(): number {
    return this.records.length;
  }

  /** The RecordBatch v2 bytes, built once so that a retry resends the very same bytes. */
  bytes(): Buffer {
    if (!this.encoded) this.encoded = encodeRecordBatch({ records: this.records, compression: this.compression });
    return this.encoded;
  }

  complete(result: BatchResult): void {
    this.settle.resolve(result);
  }

  fail(error: Error): void {
    this.settle.reject(error);
  }
}

/**
 * An idempotent producer's unit on the wire (Kafka KIP-98): the records of one or more queued
 * batches of a partition encoded as ONE RecordBatch with one producer id, epoch and base
 * sequence, as brokers take one idempotent batch per partition per request. Built when first
 * sent; a retry resends these very bytes with the same members, so the leader can recognise it.
 */
export interface SequencedGroup {
  readonly members: readonly ProducerBatch[];
  readonly bytes: Buffer;
  readonly producerId: bigint;
}

/** Encodes `members` as one idempotent batch and marks each as travelling in it. */
export function sequenceGroup(members: readonly ProducerBatch[], stamp: { producerId: bigint; producerEpoch: number; baseSequence: number }): SequencedGroup {
  const bytes = encodeRecordBatch({ records: members.flatMap((b) => b.records), compression: members[0]!.compression, ...stamp });
  const group = { members, bytes, producerId: stamp.producerId };
  for (const b of members) b.sequenced = group;
  return group;
}

export interface AccumulatorOptions {
  batchSizeBytes: number;
  lingerMs: number;
  bufferMemoryBytes: number;
}

export interface ReadyResult {
  /** Partitions (as `topic\0partition` keys) whose head batch may be sent now. */
  ready: string[];
  /** The earliest time another partition becomes ready, if any is waiting. */
  nextCheckMs: number | undefined;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}\0${partition}`;

export class RecordAccumulator {
  private readonly queues = new Map<string, ProducerBatch[]>();
  /** Bytes reserved for records not yet answered (see reserve). Invariant: usedBytes >= 0. */
  usedBytes = 0;
  private flushing = 0;

  constructor(readonly options: AccumulatorOptions) {
    assert(options.batchSizeBytes > 0 && options.lingerMs >= 0 && options.bufferMemoryBytes > 0, "bad accumulator options");
  }

  /** True when `bytes` more would fit in buffer.memory. */
  hasRoomFor(bytes: number): boolean {
    return this.usedBytes + bytes <= this.options.bufferMemoryBytes;
  }

  /**
   * Takes buffer.memory for a record about to be appended. The producer reserves in the same
   * synchronous step as its check, so concurrent sends cannot all pass the check first.
   */
  reserve(bytes: number): void {
    this.usedBytes += bytes;
  }

  /** Appends one record; returns its batch and its index in the batch. */
  append(topic: string, partition: number, record: RecordInput, acks: number, compression: CompressionType, nowMs: number): { batch: ProducerBatch; index: number } {
    const key = partitionKey(topic, partition);
    const size = estimateRecordBytes(record.key ?? null, record.value, record.headers ?? []);
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = []));
    const last = queue[queue.length - 1];
    const fits = last !== undefined && !last.closed && last.acks === acks && last.compression === compression && last.sizeBytes + size <= this.options.batchSizeBytes;
    let batch: ProducerBatch;
    if (fits) {
      batch = last;
    } else {
      if (last) last.closed = true;
      batch = new ProducerBatch(topic, partition, acks, compression, nowMs);
      queue.push(batch);
    }
    batch.records.push(record);
    batch.sizeBytes += size;
    // A batch that cannot take one more small record is full: send it without waiting for linger.
    if (batch.sizeBytes + 14 > this.options.batchSizeBytes) batch.closed = true;
    return { batch, index: batch.records.length - 1 };
  }

  /** Which partitions' head batches may be sent now, skipping `muted` ones (one in flight each). */
  ready(nowMs: number, muted: (key: string) => boolean, memoryWaiters = false): ReadyResult {
    const ready: string[] = [];
    let nextCheckMs: number | undefined;
    for (const [key, queue] of this.queues) {
      const head = queue[0];
      if (!head || muted(key)) continue;
      const dueMs = head.attempts > 0 ? head.retryAtMs : head.createdMs + this.options.lingerMs;
      const sendable = head.attempts > 0 ? nowMs >= head.retryAtMs : head.closed || queue.length > 1 || nowMs >= dueMs || this.flushing > 0 || memoryWaiters;
      if (sendable) ready.push(key);
      else nextCheckMs = nextCheckMs === undefined ? dueMs : Math.min(nextCheckMs, dueMs);
    }
    return { ready, nextCheckMs };
  }

  /** Takes the head batch of a partition for sending; no more records join it. */
  drain(key: string): ProducerBatch | undefined {
    const queue = this.queues.get(key);
    const batch = queue?.shift();
    if (batch) batch.closed = true;
    if (queue && queue.length === 0) this.queues.delete(key);
    return batch;
  }

  /**
   * Takes the head batch of a partition and the batches queued behind it with the same acks, up
   * to `maxBytes` in all (at least the head). They travel as concatenated batches in one request,
   * which the leader appends atomically, so a partition still has one request in flight and its
   * order holds, while a slow round trip no longer limits it to one batch per trip.
   */
  drainUpTo(key: string, maxBytes: number, maxBatches = Number.POSITIVE_INFINITY, fits: (b: ProducerBatch, head: ProducerBatch) => boolean = () => true): ProducerBatch[] {
    const queue = this.queues.get(key);
    const head = queue?.[0];
    if (!queue || !head) return [];
    let n = 1;
    let bytes = head.sizeBytes;
    while (n < queue.length && n < maxBatches && queue[n]!.acks === head.acks && fits(queue[n]!, head) && bytes + queue[n]!.sizeBytes <= maxBytes) bytes += queue[n++]!.sizeBytes;
    const taken = queue.splice(0, n);
    for (const b of taken) b.closed = true;
    if (queue.length === 0) this.queues.delete(key);
    return taken;
  }

  /** Puts a batch that will be retried back at the head of its queue, due at `retryAtMs`. */
  reenqueue(batch: ProducerBatch, retryAtMs: number): void {
    batch.attempts++;
    batch.retryAtMs = retryAtMs;
    const key = partitionKey(batch.topic, batch.partition);
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = []));
    queue.unshift(batch);
  }

  /** Frees a finished batch's bytes from buffer.memory. */
  release(batch: ProducerBatch): void {
    for (const r of batch.records) this.usedBytes -= estimateRecordBytes(r.key ?? null, r.value, r.headers ?? []);
    assert(this.usedBytes >= 0, "accumulator released more bytes than it held");
  }

  /** The batch that would be drained next for `key`, if any. */
  head(key: string): ProducerBatch | undefined {
    return this.queues.get(key)?.[0];
  }

  /** Head batches of every partition (for expiring batches that cannot be sent). */
  heads(): ProducerBatch[] {
    return [...this.queues.values()].map((q) => q[0]!).filter(Boolean);
  }

  /** Removes and returns every queued batch (on close without flush). */
  drainAll(): ProducerBatch[] {
    const all = [...this.queues.values()].flat();
    this.queues.clear();
    return all;
  }

  get queuedBatches(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  beginFlush(): void {
    this.flushing++;
  }

  endFlush(): void {
    this.flushing--;
  }
}
