// One long-lived bidirectional stream per broker and API (Produce, Fetch), shared by every
// request to that broker: requests carry a correlation id, answers are matched by it (they may
// come out of order across requests), and at most `windowMax` requests are in flight
// (Kafka's max.in.flight.requests.per.connection; unbounded pipelining collapses throughput,
// DESIGN.md section 9). Called from the producer's sender and the consumer's fetcher.
//
// Failure rules, as Kafka's NetworkClient: a stream that errors or ends fails every request in
// flight on it with a retriable NETWORK_EXCEPTION; a request without an answer within its
// deadline fails with REQUEST_TIMED_OUT and the stream is torn down (an answer may still be on
// its way, and a fresh stream is the only way to be sure it is never matched). The next request
// opens a new stream.
import { assert } from "@replog/common";
import { ReplogConnectionError, ReplogRequestTimeoutError } from "./errors.js";
import type { TimerHandle, Timers } from "./timers.js";

export interface StreamHandlers<Res> {
  onMessage(message: Res): void;
  /** Called once when the stream is over, for whatever reason. */
  onClose(error: Error): void;
}

export interface StreamHandle<Req> {
  write(message: Req): void;
  close(): void;
}

/** Opens the underlying transport stream (gRPC bidi in production, a pair of queues in tests). */
export type OpenStream<Req, Res> = (handlers: StreamHandlers<Res>) => StreamHandle<Req>;

interface Pending<Res> {
  resolve(res: Res): void;
  reject(error: Error): void;
  timer: TimerHandle;
}

type Correlated = { correlationId: string | number };

/** A FIFO of waiters for one of `max` slots. Invariant: inUse <= max. */
export class InflightWindow {
  private inUse = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly max: number) {
    assert(Number.isInteger(max) && max >= 1, `in-flight window must be a positive integer, got ${max}`);
  }

  get size(): number {
    return this.inUse;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(): Promise<void> {
    if (this.inUse < this.max) {
      this.inUse++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Hands the slot to the oldest waiter, or frees it. */
  release(): void {
    assert(this.inUse > 0, "InflightWindow.release without acquire");
    const next = this.waiters.shift();
    if (next) next();
    else this.inUse--;
  }
}

export class CorrelatedStream<Req extends Correlated, Res extends Correlated> {
  private stream: StreamHandle<Req> | null = null;
  private readonly pending = new Map<string, Pending<Res>>();
  private nextCorrelationId = 1;
  private readonly window: InflightWindow;
  private closed = false;

  constructor(
    private readonly broker: string,
    private readonly open: OpenStream<Req, Res>,
    private readonly timers: Timers,
    windowMax: number,
  ) {
    this.window = new InflightWindow(windowMax);
  }

  get inflight(): number {
    return this.pending.size;
  }

  get queued(): number {
    return this.window.waiting;
  }

  /**
   * Sends one request when a window slot is free and resolves with its answer. With
   * `expectAnswer: false` (acks=0 produce) it resolves undefined once written.
   */
  async request(body: Omit<Req, "correlationId">, timeoutMs: number, expectAnswer = true): Promise<Res | undefined> {
    if (this.closed) throw new ReplogConnectionError(this.broker, "connection closed");
    await this.window.acquire();
    try {
      if (this.closed) throw new ReplogConnectionError(this.broker, "connection closed");
      const correlationId = this.nextCorrelationId++;
      const req = { ...body, correlationId } as Req;
      if (!expectAnswer) {
        this.ensureStream().write(req);
        return undefined;
      }
      return await this.sendAndWait(req, String(correlationId), timeoutMs);
    } finally {
      this.window.release();
    }
  }

  private sendAndWait(req: Req, id: string, timeoutMs: number): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      const stream = this.ensureStream();
      const timer = this.timers.setTimeout(() => this.expire(id, timeoutMs), timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      stream.write(req);
    });
  }

  private ensureStream(): StreamHandle<Req> {
    if (this.stream) return this.stream;
    let handle: StreamHandle<Req> | null = null;
    handle = this.open({
      onMessage: (res) => this.deliver(res),
      onClose: (error) => {
        // Only the current stream's end fails requests: an old stream may report late.
        if (this.stream !== handle) return;
        this.stream = null;
        this.failAll(new ReplogConnectionError(this.broker, `stream closed: ${error.message}`, error));
      },
    });
    this.stream = handle;
    return handle;
  }

  private deliver(res: Res): void {
    const id = String(res.correlationId);
    const p = this.pending.get(id);
    // An answer to a request that timed out (or an unknown id) is dropped: its caller has moved on.
    if (!p) return;
    this.pending.delete(id);
    this.timers.clearTimeout(p.timer);
    p.resolve(res);
  }

  private expire(id: string, timeoutMs: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.reject(new ReplogRequestTimeoutError(this.broker, timeoutMs));
    this.reset("stream reset after a request timed out");
  }

  /** Tears the stream down; every request in flight fails with NETWORK_EXCEPTION. */
  reset(reason: string): void {
    const stream = this.stream;
    this.stream = null;
    this.failAll(new ReplogConnectionError(this.broker, reason));
    stream?.close();
  }

  private failAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      this.timers.clearTimeout(p.timer);
      p.reject(error);
    }
  }

  close(): void {
    this.closed = true;
    this.reset("connection closed");
  }
}
