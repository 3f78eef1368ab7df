// Real implementations of the common interfaces, for shells only (never imported by a core).
import { performance } from "node:perf_hooks";
import { randomInt } from "node:crypto";
import type { Clock } from "../clock.js";
import type { Random } from "../random.js";

export const systemClock: Clock = {
  nowMs: () => performance.now(),
  wallMs: () => Date.now(),
};

export const systemRandom: Random = {
  next: () => Math.random(),
  int: (bound: number) => randomInt(bound),
};
