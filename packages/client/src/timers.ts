// Timers are passed in (like Clock and Random), so that deadlines, linger and backoff can be driven
// by a test without waiting. `systemTimers` is the real thing for the shell.

export type TimerHandle = unknown;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemTimers: Timers = {
  // Not unref'd: a retry backoff must keep a CLI alive; every timer is cleared on disconnect.
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A promise that resolves after `ms` on the given timers. */
export function sleepOn(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => timers.setTimeout(resolve, ms));
}
