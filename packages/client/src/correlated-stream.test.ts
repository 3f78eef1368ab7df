import { describe, expect, it } from "vitest";
import { CorrelatedStream, InflightWindow, type StreamHandlers } from "./correlated-stream.js";
import { ManualTimers } from "./test-support/manual-timers.js";

interface Req {
  correlationId: string | number;
  body: string;
}
interface Res {
  correlationId: string | number;
  answer: string;
}

/** A transport that records what was written and lets the test answer or break each stream. */
class FakeTransport {
  streams: Array<{ written: Req[]; handlers: StreamHandlers<Res>; closed: boolean }> = [];
  open = (handlers: StreamHandlers<Res>) => {
    const s = { written: [] as Req[], handlers, closed: false };
    this.streams.push(s);
    return { write: (m: Req) => s.written.push(m), close: () => (s.closed = true) };
  };
  get current() {
    return this.streams.at(-1)!;
  }
  answer(req: Req, answer = `re:${req.body}`) {
    this.current.handlers.onMessage({ correlationId: String(req.correlationId), answer });
  }
}

const flush = () => new Promise((r) => setImmediate(r));

describe("InflightWindow", () => {
  it("never hands out more than max slots and serves waiters first come, first served", async () => {
    const w = new InflightWindow(2);
    await w.acquire();
    await w.acquire();
    const order: number[] = [];
    const a = w.acquire().then(() => order.push(1));
    const b = w.acquire().then(() => order.push(2));
    expect(w.size).toBe(2);
    expect(w.waiting).toBe(2);
    w.release();
    await a;
    expect(w.size).toBe(2);
    w.release();
    await b;
    expect(order).toEqual([1, 2]);
    w.release();
    w.release();
    expect(w.size).toBe(0);
  });
});

describe("CorrelatedStream", () => {
  it("matches answers to requests by correlation id, also out of order", async () => {
    const t = new FakeTransport();
    const s = new CorrelatedStream<Req, Res>("b1", t.open, new ManualTimers(), 5);
    const p1 = s.request({ body: "one" }, 1000);
    const p2 = s.request({ body: "two" }, 1000);
    await flush();
    const [r1, r2] = t.current.written;
    expect(r1!.correlationId).not.toBe(r2!.correlationId);
    t.answer(r2!);
    t.answer(r1!);
    await expect(p1).resolves.toMatchObject({ answer: "re:one" });
    await expect(p2).resolves.toMatchObject({ answer: "re:two" });
    expect(t.streams).toHaveLength(1);
  });

  it("keeps at most windowMax requests in flight; the next is written when one is answered", async () => {
    const t = new FakeTransport();
    const s = new CorrelatedStream<Req, Res>("b1", t.open, new ManualTimers(), 3);
    const all = Array.from({ length: 5 }, (_, i) => s.request({ body: String(i) }, 1000));
    await flush();
    expect(t.current.written.map((r) => r.body)).toEqual(["0", "1", "2"]);
    expect(s.inflight).toBe(3);
    expect(s.queued).toBe(2);
    t.answer(t.current.written[1]!);
    await flush();
    expect(t.current.written.map((r) => r.body)).toEqual(["0", "1", "2", "3"]);
    for (const r of t.current.written.slice(0)) if (r.body !== "1") t.answer(r);
    await flush();
    t.answer(t.current.written[4]!);
    const answers = await Promise.all(all);
    expect(answers.map((a) => a!.answer)).toEqual(["re:0", "re:1", "re:2", "re:3", "re:4"]);
  });

  it("fails a request after its deadline with REQUEST_TIMED_OUT, resets the stream and reopens on the next request", async () => {
    const t = new FakeTransport();
    const timers = new ManualTimers();
    const s = new CorrelatedStream<Req, Res>("b1", t.open, timers, 5);
    const slow = s.request({ body: "slow" }, 1000);
    await flush();
    const other = s.request({ body: "other" }, 5000);
    await flush();
    timers.advance(1000);
    await expect(slow).rejects.toMatchObject({ type: "REQUEST_TIMED_OUT", retriable: true });
    // Everything else on that stream fails too (Kafka closes the connection on a request timeout).
    await expect(other).rejects.toMatchObject({ type: "NETWORK_EXCEPTION", retriable: true });
    expect(t.streams[0]!.closed).toBe(true);
    const late = t.streams[0]!.written[0]!;
    t.streams[0]!.handlers.onMessage({ correlationId: late.correlationId, answer: "late" });
    const next = s.request({ body: "next" }, 1000);
    await flush();
    expect(t.streams).toHaveLength(2);
    t.answer(t.current.written[0]!);
    await expect(next).resolves.toMatchObject({ answer: "re:next" });
    expect(timers.pending).toBe(0);
  });

  it("fails every request in flight with NETWORK_EXCEPTION when the stream breaks, and ignores a stale stream's end", async () => {
    const t = new FakeTransport();
    const s = new CorrelatedStream<Req, Res>("b1", t.open, new ManualTimers(), 5);
    const a = s.request({ body: "a" }, 1000);
    const b = s.request({ body: "b" }, 1000);
    await flush();
    t.current.handlers.onClose(new Error("connection reset"));
    await expect(a).rejects.toMatchObject({ type: "NETWORK_EXCEPTION" });
    await expect(b).rejects.toMatchObject({ type: "NETWORK_EXCEPTION" });
    const c = s.request({ body: "c" }, 1000);
    await flush();
    t.streams[0]!.handlers.onClose(new Error("late close of the old stream"));
    t.answer(t.current.written[0]!);
    await expect(c).resolves.toMatchObject({ answer: "re:c" });
  });

  it("resolves at once without an answer when none is expected (acks=0)", async () => {
    const t = new FakeTransport();
    const s = new CorrelatedStream<Req, Res>("b1", t.open, new ManualTimers(), 1);
    await expect(s.request({ body: "fire" }, 1000, false)).resolves.toBeUndefined();
    expect(s.inflight).toBe(0);
    expect(t.current.written).toHaveLength(1);
  });

  it("refuses requests after close", async () => {
    const t = new FakeTransport();
    const s = new CorrelatedStream<Req, Res>("b1", t.open, new ManualTimers(), 1);
    s.close();
    await expect(s.request({ body: "x" }, 1000)).rejects.toMatchObject({ type: "NETWORK_EXCEPTION" });
  });
});
