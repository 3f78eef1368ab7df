// The error a checker throws when a safety or liveness property fails. The simulation adds the
// seed and the event number; the CLI prints the replay command.

import type { Trace } from "./trace.js";

export type InvariantName =
  | "election-safety"
  | "election-quorum"
  | "leader-commit-rule"
  | "term-monotonic"
  | "vote-stable"
  | "illegal-state"
  | "leader-append-only"
  | "log-matching"
  | "leader-completeness"
  | "committed-entry-changed"
  | "commit-monotonic"
  | "commit-beyond-durable-majority"
  | "state-machine-safety"
  // The data plane (data-plane-checker.ts).
  | "hw-monotonic"
  | "leader-append-only"
  | "committed-record-changed"
  | "leader-completeness"
  | "leader-in-isr"
  | "acked-write-lost"
  | "truncated-committed"
  | "liveness";

export class InvariantViolation extends Error {
  override readonly name = "InvariantViolation";

  constructor(
    readonly invariant: InvariantName,
    readonly detail: string,
  ) {
    super(`${invariant}: ${detail}`);
  }
}

/** A violation found while running a seed: where it happened, and how to get there again. */
export class SimulationFailure extends Error {
  override readonly name = "SimulationFailure";

  constructor(
    readonly seed: number,
    readonly eventNumber: number,
    readonly timeMs: number,
    readonly violation: InvariantViolation | Error,
    /** The run's trace: every line with `fullTrace`, else the last lines. */
    readonly trace: Trace,
  ) {
    super(`seed ${seed}: event ${eventNumber} at ${timeMs} ms: ${violation.message}`);
  }
}
