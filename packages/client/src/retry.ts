// Retries with jittered exponential backoff, KafkaJS's `retry` options and formula: the n-th
// retry waits initialRetryTime × multiplier^n, randomized by ±factor and capped at maxRetryTime.
// Jitter keeps many clients that failed together (a leader died) from retrying in lock step.
// Randomness and sleeping are passed in, so tests replay a schedule exactly.
import type { Clock, Random } from "@replog/common";
import { asReplogError, ReplogRetriesExhausted } from "./errors.js";

export interface RetryOptions {
  /** Upper bound of one wait, ms (KafkaJS default 30000). */
  maxRetryTime: number;
  /** The first wait, ms (KafkaJS default 300). */
  initialRetryTime: number;
  /** Jitter: each wait is randomized within ±factor of its base (default 0.2). */
  factor: number;
  /** Growth of the base per retry (default 2). */
  multiplier: number;
  /** How many times to retry after the first attempt (default 5). */
  retries: number;
}

export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({
  maxRetryTime: 30_000,
  initialRetryTime: 300,
  factor: 0.2,
  multiplier: 2,
  retries: 5,
});

export function retryOptions(partial: Partial<RetryOptions> | undefined): RetryOptions {
  return { ...DEFAULT_RETRY, ...partial };
}

/** The wait before retry number `retry` (0 for the first retry), in whole ms. */
export function retryDelayMs(retry: number, options: RetryOptions, random: Random): number {
  const base = Math.min(options.maxRetryTime, options.initialRetryTime * options.multiplier ** retry);
  const low = base * (1 - options.factor);
  const high = base * (1 + options.factor);
  return Math.round(Math.min(options.maxRetryTime, low + random.next() * (high - low)));
}

export interface RetryEnvironment {
  random: Random;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  /** Give up when the next attempt would start after this monotonic time. */
  deadlineMs?: number;
  /** Called before each wait, e.g. to refresh metadata after a leadership error. */
  onRetry?: (error: unknown, retry: number, delayMs: number) => void | Promise<void>;
}

/**
 * Runs `attempt` until it resolves, a non-retriable error comes, retries run out, or the deadline
 * passes. The last two throw ReplogRetriesExhausted with the last error as its cause.
 */
export async function withRetry<T>(attempt: (retry: number) => Promise<T>, options: RetryOptions, env: RetryEnvironment): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt(retry);
    } catch (e) {
      const error = asReplogError(e);
      if (!error.retriable) throw error;
      if (retry >= options.retries) {
        throw new ReplogRetriesExhausted(`gave up after ${retry + 1} attempts: ${error.message}`, error);
      }
      const delay = retryDelayMs(retry, options, env.random);
      if (env.deadlineMs !== undefined && env.clock.nowMs() + delay > env.deadlineMs) {
        throw new ReplogRetriesExhausted(`timed out after ${retry + 1} attempts: ${error.message}`, error);
      }
      await env.onRetry?.(error, retry, delay);
      await env.sleep(delay);
    }
  }
}
