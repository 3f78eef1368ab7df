// The simulated network: decides, for every message a node sends, whether it is lost, when it
// arrives, and whether a copy arrives twice. Reordering falls out of independent random delays
// plus an optional long extra delay. Links can be cut one direction at a time, so every
// partition shape (see `partition-shapes.ts`) is a set of directed cuts.
//
// Pure and deterministic: all randomness comes from the `Random` it is given. The simulation loop
// calls `send` when a node's Ready hands out messages and `isLinkUp` again at delivery time, so a
// message in flight across a link that is cut before it lands is lost too (a TCP connection reset).

import { assert, type NodeId, type Random } from "@replog/common";

/** Fault intensities of one run, drawn per seed by the swarm (see `swarm.ts`). */
export interface NetworkFaults {
  /** Probability that a message is lost. */
  readonly dropProbability: number;
  /** One-way delay: at least this much. */
  readonly delayMinMs: number;
  /** Mean of the exponential part of the one-way delay, added to `delayMinMs`. */
  readonly delayMeanMs: number;
  /** Cap on the one-way delay (before any reorder delay). */
  readonly delayMaxMs: number;
  /** Probability that a delivered message is delivered a second time (a replayed packet). */
  readonly duplicateProbability: number;
  /** Probability that a message is held back by an extra delay, so later ones overtake it. */
  readonly reorderProbability: number;
  /** Upper bound of that extra delay. */
  readonly reorderDelayMaxMs: number;
}

export const perfectNetwork: NetworkFaults = {
  dropProbability: 0,
  delayMinMs: 1,
  delayMeanMs: 0,
  delayMaxMs: 1,
  duplicateProbability: 0,
  reorderProbability: 0,
  reorderDelayMaxMs: 0,
};

export interface Addressed {
  readonly from: NodeId;
  readonly to: NodeId;
}

/** What the network decided for one sent message. */
export type SendOutcome =
  | { readonly kind: "dropped"; readonly reason: "link-cut" | "lost" }
  | { readonly kind: "in-flight"; readonly arrivalsMs: readonly number[] };

export function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}

export class SimNetwork {
  private readonly cuts = new Set<string>();
  private faultsNow: NetworkFaults;

  constructor(
    private readonly random: Random,
    faults: NetworkFaults,
  ) {
    validateFaults(faults);
    this.faultsNow = faults;
  }

  get faults(): NetworkFaults {
    return this.faultsNow;
  }

  /** Replace the fault intensities (the liveness phase turns them down). */
  setFaults(faults: NetworkFaults): void {
    validateFaults(faults);
    this.faultsNow = faults;
  }

  send(message: Addressed, nowMs: number): SendOutcome {
    if (!this.isLinkUp(message.from, message.to)) return { kind: "dropped", reason: "link-cut" };
    const f = this.faultsNow;
    if (this.chance(f.dropProbability)) return { kind: "dropped", reason: "lost" };
    const arrivalsMs = [nowMs + this.drawDelayMs()];
    if (this.chance(f.duplicateProbability)) arrivalsMs.push(nowMs + this.drawDelayMs());
    return { kind: "in-flight", arrivalsMs };
  }

  isLinkUp(from: NodeId, to: NodeId): boolean {
    return !this.cuts.has(linkKey(from, to));
  }

  /** Cut the directed link from -> to (to -> from keeps working unless cut too). */
  cut(from: NodeId, to: NodeId): void {
    assert(from !== to, "a node cannot be cut from itself");
    this.cuts.add(linkKey(from, to));
  }

  healAll(): void {
    this.cuts.clear();
  }

  /** Heal every link that touches one of `nodes` at both ends (the liveness core). */
  healAmong(nodes: readonly NodeId[]): void {
    for (const a of nodes) for (const b of nodes) this.cuts.delete(linkKey(a, b));
  }

  /** The cut links in a stable order, for the trace. */
  describeCuts(): string {
    return [...this.cuts].sort().join(",") || "none";
  }

  private chance(p: number): boolean {
    return p > 0 && this.random.next() < p;
  }

  private drawDelayMs(): number {
    const f = this.faultsNow;
    // Exponential tail: most messages are fast, a few are slow, as on a real LAN under load.
    const tail = f.delayMeanMs > 0 ? -Math.log(1 - this.random.next()) * f.delayMeanMs : 0;
    let delayMs = Math.min(f.delayMaxMs, f.delayMinMs + Math.floor(tail));
    if (this.chance(f.reorderProbability)) delayMs += 1 + this.random.int(Math.max(1, f.reorderDelayMaxMs));
    return delayMs;
  }
}

function validateFaults(f: NetworkFaults): void {
  for (const p of [f.dropProbability, f.duplicateProbability, f.reorderProbability]) {
    assert(p >= 0 && p <= 1, () => `probability out of [0, 1]: ${p}`);
  }
  assert(f.delayMinMs >= 1, "a message takes at least 1 ms, so a send never lands in the same instant");
  assert(f.delayMaxMs >= f.delayMinMs, "delayMaxMs >= delayMinMs");
  assert(f.delayMeanMs >= 0 && f.reorderDelayMaxMs >= 0, "delays are non-negative");
}
