// Time is passed in. Pure cores never read a clock; shells hand them a `Clock` (the real one
// lives in `@replog/common/node`), and the simulator hands them a virtual one.

export interface Clock {
  /** Milliseconds on a monotonic scale. Only differences are meaningful. */
  nowMs(): number;
  /** Wall-clock milliseconds since the epoch, for timestamps stored in records and files. */
  wallMs(): number;
}

/** A clock that moves only when told to: for tests and the simulator. */
export class ManualClock implements Clock {
  constructor(
    private monotonicMs = 0,
    private readonly wallOffsetMs = 1_700_000_000_000,
  ) {}

  nowMs(): number {
    return this.monotonicMs;
  }

  wallMs(): number {
    return this.wallOffsetMs + this.monotonicMs;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock cannot go back (${ms} ms)`);
    this.monotonicMs += ms;
  }

  set(ms: number): void {
    if (ms < this.monotonicMs) throw new RangeError(`ManualClock cannot go back to ${ms} ms`);
    this.monotonicMs = ms;
  }
}
