// Random sequences of appends, follower fetches, time, ISR checks, controller answers and
// fencing against the real PartitionLeader, with the replication invariants checked after every
// step against a separate model (reference §1.4, §1.5, §2, §3.4):
// - the HW never decreases, never passes the leader LEO or any maximal-ISR member's real LEO,
//   and equals the naive rule whenever Kafka re-evaluates it;
// - a follower is proposed for removal exactly when, by the history of its fetches, it has not
//   caught up for more than replica.lag.time.max.ms (and is not at the leader LEO);
// - acks=all completes only once every ISR member holds the data, and only for appends accepted
//   while the committed ISR met the effective min ISR.
// fast-check prints the seed and the shrunk counterexample of any failure; pin it with `{ seed }`.

import { nodeId, type NodeId } from "@replog/common";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AlterPartitionRequest } from "./alter-partition.js";
import { DelayedProduceQueue } from "./delayed-produce.js";
import { isUnderMinIsr } from "./high-watermark.js";
import { isrExpirationIntervalMs } from "./partition-leader.js";
import { NEVER_MS } from "./replica-state.js";
import { LeaderFixture } from "./test-support/leader-fixture.js";

type Op =
  | { kind: "append"; count: number; acksAll: boolean }
  | { kind: "fetch"; follower: number; progress: number }
  | { kind: "tick"; ms: number }
  | { kind: "shrink" }
  | { kind: "respond"; answer: "ok" | "INELIGIBLE_REPLICA" | "NOT_CONTROLLER" | "INVALID_REQUEST" }
  | { kind: "fence"; follower: number; fenced: boolean }
  | { kind: "complete" };

const op = (replicationFactor: number, lagTimeMaxMs: number): fc.Arbitrary<Op> => {
  const follower = fc.integer({ min: 2, max: replicationFactor });
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("append" as const), count: fc.integer({ min: 1, max: 4 }), acksAll: fc.boolean() }) },
    { weight: 5, arbitrary: fc.record({
        kind: fc.constant("fetch" as const),
        follower,
        // How much of the response the follower manages to append: often all of it.
        progress: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
      }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 2 * lagTimeMaxMs }) }) },
    { weight: 3, arbitrary: fc.constant({ kind: "shrink" as const }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("respond" as const),
        answer: fc.constantFrom("ok" as const, "ok" as const, "INELIGIBLE_REPLICA" as const, "NOT_CONTROLLER" as const, "INVALID_REQUEST" as const),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("fence" as const), follower, fenced: fc.boolean() }) },
    { weight: 2, arbitrary: fc.constant({ kind: "complete" as const }) },
  );
};

const scenario = fc
  .record({
    replicationFactor: fc.integer({ min: 1, max: 4 }),
    lagTimeMaxMs: fc.constantFrom(100, 1_000),
    minIsrExtra: fc.integer({ min: 0, max: 4 }),
    isrMask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  })
  .chain((setup) =>
    fc.record({
      setup: fc.constant(setup),
      ops: fc.array(op(Math.max(setup.replicationFactor, 2), setup.lagTimeMaxMs), { maxLength: 150, size: "max" }),
    }),
  );

/** A cheap check for the hot loop: `expect` costs too much over tens of thousands of steps. */
function check(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message());
}

/** Fetch history of one follower in this leadership, for the independent caught-up model. */
interface FetchRecord {
  readonly timeMs: number;
  readonly fetchOffset: number;
  readonly leaderLeo: number;
}

class Model {
  readonly fixture: LeaderFixture;
  readonly localLeo = new Map<NodeId, number>();
  readonly fetches = new Map<NodeId, FetchRecord[]>();
  readonly resetCaughtUpMs = new Map<NodeId, number>();
  readonly purgatory = new DelayedProduceQueue<{ committedIsrAtAppend: number }>(10_000);
  inFlight: AlterPartitionRequest | undefined;
  /** Requests whose pending state metadata replaced: their late answers must be ignored. */
  readonly superseded: AlterPartitionRequest[] = [];
  controllerPartitionEpoch: number;

  constructor(readonly replicationFactor: number, readonly lagTimeMaxMs: number, minIsr: number, isr: number[]) {
    const replicas = Array.from({ length: replicationFactor }, (_, i) => i + 1);
    this.fixture = new LeaderFixture({ replicas, isr, lagTimeMaxMs, minInsyncReplicas: minIsr });
    this.controllerPartitionEpoch = this.fixture.leader.state.partitionEpoch;
    for (const id of replicas.slice(1).map(nodeId)) {
      this.localLeo.set(id, 0);
      this.fetches.set(id, []);
      this.resetCaughtUpMs.set(id, isr.includes(id) ? this.fixture.nowMs : NEVER_MS);
    }
  }

  get leader() {
    return this.fixture.leader;
  }

  /** Independent restatement of §1.4 over the fetch history: the latest time it was caught up. */
  modelLastCaughtUp(id: NodeId): number {
    let latest = this.resetCaughtUpMs.get(id)!;
    const history = this.fetches.get(id)!;
    history.forEach((fetch, k) => {
      if (fetch.fetchOffset >= fetch.leaderLeo) latest = Math.max(latest, fetch.timeMs);
      else if (k > 0 && fetch.fetchOffset >= history[k - 1]!.leaderLeo) latest = Math.max(latest, history[k - 1]!.timeMs);
    });
    return latest;
  }

  modelOutOfSync(): NodeId[] {
    const leo = this.fixture.log.logEndOffset();
    return this.leader.state.isr.filter((id) => {
      if (id === nodeId(1)) return false;
      const knownLeo = this.fetches.get(id)!.at(-1)?.fetchOffset ?? -1;
      return knownLeo !== leo && this.fixture.nowMs - this.modelLastCaughtUp(id) > this.lagTimeMaxMs;
    });
  }

  /** The HW the naive rule gives from the current state, ignoring the no-decrease clamp. */
  naiveCandidate(): number {
    const leo = this.fixture.log.logEndOffset();
    const maximal = this.leader.state.maximalIsr;
    const waited = this.leader.followerStates().filter((replica) => {
      if (maximal.includes(replica.brokerId)) return true;
      const status = this.fixture.brokers.brokerStatus(replica.brokerId)!;
      const eligible =
        !status.fenced && replica.brokerEpoch !== undefined && (replica.brokerEpoch < 0n || replica.brokerEpoch === status.brokerEpoch);
      const caughtUp = replica.logEndOffset === leo || this.fixture.nowMs - replica.lastCaughtUpTimeMs <= this.lagTimeMaxMs;
      return eligible && caughtUp;
    });
    return Math.min(leo, ...waited.map((replica) => replica.logEndOffset));
  }

  expectedHwAfterTrigger(hwBefore: number): number {
    const state = this.leader.state;
    if (isUnderMinIsr(state.isr.length, this.leader.minIsr, state.replicas.length)) return hwBefore;
    return Math.max(hwBefore, this.naiveCandidate());
  }
}

function runOp(model: Model, step: Op): { hwTrigger: boolean } {
  const f = model.fixture;
  switch (step.kind) {
    case "append":
      return { hwTrigger: append(model, step.count, step.acksAll) };
    case "fetch":
      return fetch(model, nodeId(step.follower), step.progress);
    case "tick":
      f.advance(step.ms);
      return { hwTrigger: false };
    case "shrink":
      shrink(model);
      return { hwTrigger: false };
    case "respond":
      return respond(model, step.answer);
    case "fence":
      return fence(model, nodeId(step.follower), step.fenced);
    case "complete":
      complete(model);
      return { hwTrigger: false };
  }
}

function append(model: Model, count: number, acksAll: boolean): boolean {
  const leader = model.leader;
  const produceCheck = leader.checkProduce(acksAll ? -1 : 1);
  if (produceCheck === "NOT_ENOUGH_REPLICAS") {
    check(leader.isUnderMinIsr(), () => "NOT_ENOUGH_REPLICAS while not under min ISR");
    return false;
  }
  check(produceCheck === "NONE", () => `produce check ${produceCheck}`);
  const { requiredOffset } = model.fixture.append(count);
  if (acksAll) model.purgatory.add({ key: { committedIsrAtAppend: leader.state.isr.length }, requiredOffset, deadlineMs: Infinity });
  return true;
}

function fetch(model: Model, id: NodeId, progress: number): { hwTrigger: boolean } {
  if (!model.localLeo.has(id)) return { hwTrigger: false };
  const f = model.fixture;
  const fetchOffset = model.localLeo.get(id)!;
  const knownBefore = model.leader.follower(id)!.logEndOffset;
  const leaderLeo = f.log.logEndOffset();
  const pendingBefore = model.leader.state.isInflight;
  const result = f.fetch(id, fetchOffset);
  check(result.kind === "read", () => `fetch answered ${JSON.stringify(result)}`);
  if (result.kind !== "read") return { hwTrigger: false };
  model.fetches.get(id)!.push({ timeMs: f.nowMs, fetchOffset, leaderLeo });
  model.localLeo.set(id, fetchOffset + Math.floor(progress * (result.readUpTo - fetchOffset)));
  if (result.alterPartition !== undefined) {
    check(!pendingBefore, () => "a second AlterPartition while one is in flight");
    const reason = result.alterPartition.reason;
    check(reason.kind === "expand" && reason.logEndOffset >= model.leader.state.highWatermark, () => "expansion below the HW");
    // Only an ISR-eligible replica may join: registered, not fenced, not shutting down (§2.3).
    check(!f.brokers.brokerStatus(id)!.fenced, () => `fenced replica ${id} proposed for the ISR`);
    model.inFlight = result.alterPartition;
  }
  return { hwTrigger: knownBefore !== fetchOffset };
}

function shrink(model: Model): void {
  const f = model.fixture;
  const pendingBefore = model.leader.state.isInflight;
  const expected = pendingBefore ? [] : model.modelOutOfSync();
  const request = model.leader.maybeShrinkIsr(f.log, f.nowMs);
  const removed = request?.reason.kind === "shrink" ? request.reason.outOfSync.map((r) => r.replicaId) : [];
  check(removed.join() === expected.join(), () => `shrink proposed [${removed}], model says [${expected}] at ${f.nowMs}`);
  if (request !== undefined) model.inFlight = request;
}

function respond(model: Model, answer: "ok" | "INELIGIBLE_REPLICA" | "NOT_CONTROLLER" | "INVALID_REQUEST"): { hwTrigger: boolean } {
  const f = model.fixture;
  const late = model.superseded.pop();
  if (late !== undefined) {
    // A success for a proposal metadata already replaced (testAlterIsrLeaderAndIsrRace).
    const outcome = f.acceptAlterPartition(late);
    check(outcome.kind === "ignored", () => `late response ${outcome.kind}`);
    return { hwTrigger: false };
  }
  const request = model.inFlight;
  if (request === undefined) return { hwTrigger: false };
  if (answer !== "ok") {
    const outcome = f.failAlterPartition(request, answer);
    if (outcome.kind === "reverted") model.inFlight = undefined;
    return { hwTrigger: false };
  }
  // The controller refuses a request built on an old partition epoch (INVALID_UPDATE_VERSION).
  if (request.partitionEpoch !== model.controllerPartitionEpoch) {
    f.failAlterPartition(request, "INVALID_UPDATE_VERSION");
    return { hwTrigger: false };
  }
  const outcome = f.acceptAlterPartition(request);
  model.controllerPartitionEpoch += 1;
  model.inFlight = undefined;
  check(outcome.kind === "committed", () => `accepted response ${outcome.kind}`);
  return { hwTrigger: true };
}

/** The controller fences a broker and takes it out of the ISR by itself (§5.6), or unfences it. */
function fence(model: Model, id: NodeId, fenced: boolean): { hwTrigger: boolean } {
  if (!model.localLeo.has(id)) return { hwTrigger: false };
  const f = model.fixture;
  f.brokers.set(id, { fenced });
  if (!fenced || !model.leader.state.isr.includes(id)) return { hwTrigger: false };
  model.controllerPartitionEpoch += 1;
  const isr = model.leader.state.isr.filter((member) => member !== id);
  f.leader.onPartitionChangeCommitted(f.leaderAndIsr({ isr, partitionEpoch: model.controllerPartitionEpoch }), f.log, f.nowMs);
  if (model.inFlight !== undefined) model.superseded.push(model.inFlight);
  model.inFlight = undefined;
  return { hwTrigger: true };
}

function complete(model: Model): void {
  const leader = model.leader;
  const hw = leader.highWatermark;
  const effectiveMin = Math.min(leader.minIsr, leader.state.replicas.length);
  const completions = leader.completeDelayedProduces(model.purgatory);
  for (const done of completions) {
    check(hw >= done.requiredOffset, () => `completed ${done.requiredOffset} with HW ${hw}`);
    check(done.key.committedIsrAtAppend >= effectiveMinAtAppend(model), () => "acks=all accepted under min ISR");
    for (const id of leader.state.isr) {
      if (id !== nodeId(1)) check(model.localLeo.get(id)! >= done.requiredOffset, () => `ISR member ${id} lacks ${done.requiredOffset}`);
    }
    const expectedError = leader.state.maximalIsr.length >= effectiveMin ? "NONE" : "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
    check(done.error === expectedError, () => `completion error ${done.error}, expected ${expectedError}`);
  }
  // Whatever still waits is not covered by the HW yet.
  check(leader.completeDelayedProduces(model.purgatory).length === 0, () => "a second pass completed more");
}

function effectiveMinAtAppend(model: Model): number {
  // min.insync.replicas and the replication factor do not change in these runs.
  return Math.min(model.leader.minIsr, model.leader.state.replicas.length);
}

function checkInvariants(model: Model, hwBefore: number, hwTrigger: boolean): void {
  const leader = model.leader;
  const hw = leader.highWatermark;
  const leo = model.fixture.log.logEndOffset();
  check(hw >= hwBefore, () => `HW went back from ${hwBefore} to ${hw}`);
  check(hw <= leo, () => `HW ${hw} above LEO ${leo}`);
  // Every member of the committed and of the maximal ISR really holds everything below the HW.
  for (const id of new Set([...leader.state.isr, ...leader.state.maximalIsr])) {
    if (id === nodeId(1)) continue;
    check(hw <= model.localLeo.get(id)!, () => `HW ${hw} above ISR member ${id}'s LEO ${model.localLeo.get(id)}`);
  }
  const expectedHw = hwTrigger ? model.expectedHwAfterTrigger(hwBefore) : hwBefore;
  check(hw === expectedHw, () => `HW ${hw}, naive rule gives ${expectedHw}`);
  check(leader.state.isInflight === (model.inFlight !== undefined), () => "in-flight state differs from the model");
}

describe("PartitionLeader under random operation sequences", () => {
  it("keeps the HW, ISR-membership and acks=all rules", () => {
    fc.assert(
      fc.property(scenario, ({ setup, ops }) => {
        const rf = setup.replicationFactor;
        const isr = [1, ...Array.from({ length: rf - 1 }, (_, i) => i + 2).filter((id) => setup.isrMask[id - 2])];
        const model = new Model(rf, setup.lagTimeMaxMs, 1 + (setup.minIsrExtra % (rf + 1)), isr);
        for (const step of ops) {
          const hwBefore = model.leader.highWatermark;
          const { hwTrigger } = runOp(model, step);
          checkInvariants(model, hwBefore, hwTrigger);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("a paused follower (§2.2)", () => {
  it("is proposed for removal between 1x and 1.5x replica.lag.time.max.ms after it last caught up, under a steady producer", () => {
    fc.assert(
      fc.property(
        fc.record({
          lagTimeMaxMs: fc.integer({ min: 10, max: 30_000 }),
          phaseMs: fc.integer({ min: 0, max: 30_000 }),
          // A producer at least every lag time (so the paused follower falls behind at once) and
          // a follower fetching at least every half lag time (so it stays in sync until paused).
          producePermille: fc.integer({ min: 10, max: 1_000 }),
          fetchPermille: fc.integer({ min: 1, max: 500 }),
          pauseAfterFetches: fc.integer({ min: 1, max: 20 }),
        }),
        ({ lagTimeMaxMs, phaseMs, producePermille, fetchPermille, pauseAfterFetches }) => {
          const produceEveryMs = Math.max(1, Math.floor((lagTimeMaxMs * producePermille) / 1_000));
          const fetchEveryMs = Math.max(1, Math.floor((lagTimeMaxMs * fetchPermille) / 1_000));
          const removal = runPausedFollower({ lagTimeMaxMs, phaseMs, produceEveryMs, fetchEveryMs, pauseAfterFetches });
          expect(removal.fetchesLeft).toBe(0);
          expect(removal.sinceCaughtUpMs).toBeGreaterThan(lagTimeMaxMs);
          expect(removal.sinceCaughtUpMs).toBeLessThanOrEqual(1.5 * lagTimeMaxMs);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/**
 * One timeline of produces, follower fetches (each at the LEO the leader had at the previous
 * fetch, until the pause) and ISR checks every lagTimeMaxMs / 2 from a random phase, up to the
 * first shrink proposal.
 */
function runPausedFollower(args: {
  lagTimeMaxMs: number;
  phaseMs: number;
  produceEveryMs: number;
  fetchEveryMs: number;
  pauseAfterFetches: number;
}): { sinceCaughtUpMs: number; fetchesLeft: number } {
  const f = new LeaderFixture({ replicas: [1, 2], lagTimeMaxMs: args.lagTimeMaxMs, nowMs: 0 });
  const checkEveryMs = isrExpirationIntervalMs(args.lagTimeMaxMs);
  let nextProduce = args.produceEveryMs;
  let nextFetch = args.fetchEveryMs;
  let nextCheck = (args.phaseMs % checkEveryMs) + checkEveryMs;
  let fetchesLeft = args.pauseAfterFetches;
  let followerLeo = 0;
  for (let events = 0; events < 1_000_000; events++) {
    const now = Math.min(nextProduce, nextCheck, fetchesLeft > 0 ? nextFetch : Infinity);
    f.advance(now - f.nowMs);
    if (now === nextProduce) {
      f.append(1);
      nextProduce += args.produceEveryMs;
    } else if (now === nextCheck) {
      nextCheck += checkEveryMs;
      if (f.leader.maybeShrinkIsr(f.log, f.nowMs) !== undefined) {
        return { sinceCaughtUpMs: f.nowMs - f.leader.follower(nodeId(2))!.lastCaughtUpTimeMs, fetchesLeft };
      }
    } else {
      f.fetch(2, followerLeo);
      followerLeo = f.log.logEndOffset();
      fetchesLeft -= 1;
      nextFetch += args.fetchEveryMs;
    }
  }
  throw new Error("the paused follower was never proposed for removal");
}
