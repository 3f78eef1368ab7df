// Assertions stay on in production (TigerStyle). They guard invariants and pre/postconditions;
// a broken invariant means the process can no longer be trusted, so it is never caught and
// ignored. Operating errors (bad input, stale epochs, corrupt batches) are values, not asserts.

export class AssertionError extends Error {
  override readonly name = "AssertionError";
}

export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new AssertionError(typeof message === "function" ? message() : message);
  }
}

/** For exhaustive switches: the compiler proves this is never reached. */
export function unreachable(value: never, what = "value"): never {
  throw new AssertionError(`unreachable ${what}: ${JSON.stringify(value)}`);
}
