import { describe, expect, it } from "vitest";
import { SeededRandom, nodeId } from "@replog/common";
import { SimNetwork, perfectNetwork, type NetworkFaults } from "./sim-network.js";
import { bridge, cutBetween, isolate, oneWay, ring, split } from "./partition-shapes.js";

const n = nodeId;
const msg = (from: number, to: number) => ({ from: n(from), to: n(to) });

function sendMany(faults: NetworkFaults, count: number, seed = 1) {
  const net = new SimNetwork(new SeededRandom(seed), faults);
  return Array.from({ length: count }, () => net.send(msg(1, 2), 1000));
}

describe("SimNetwork", () => {
  it("delivers every message exactly once after the minimum delay on a perfect network", () => {
    const outcomes = sendMany(perfectNetwork, 100);
    expect(outcomes.every((o) => o.kind === "in-flight" && o.arrivalsMs.length === 1 && o.arrivalsMs[0] === 1001)).toBe(true);
  });

  it("drops about the configured fraction of messages", () => {
    const outcomes = sendMany({ ...perfectNetwork, dropProbability: 0.3 }, 10_000);
    const lost = outcomes.filter((o) => o.kind === "dropped" && o.reason === "lost").length;
    expect(lost).toBeGreaterThan(2700);
    expect(lost).toBeLessThan(3300);
  });

  it("duplicates about the configured fraction, each copy with its own delay", () => {
    const outcomes = sendMany({ ...perfectNetwork, duplicateProbability: 0.2 }, 10_000);
    const twice = outcomes.filter((o) => o.kind === "in-flight" && o.arrivalsMs.length === 2).length;
    expect(twice).toBeGreaterThan(1800);
    expect(twice).toBeLessThan(2200);
  });

  it("keeps delays within [min, max] unless a reorder delay is added, and reorders then", () => {
    const faults = { ...perfectNetwork, delayMinMs: 2, delayMeanMs: 20, delayMaxMs: 50 };
    const plain = sendMany(faults, 2000).flatMap((o) => (o.kind === "in-flight" ? o.arrivalsMs : []));
    expect(Math.min(...plain)).toBeGreaterThanOrEqual(1002);
    expect(Math.max(...plain)).toBeLessThanOrEqual(1050);
    const reordered = sendMany({ ...faults, reorderProbability: 0.5, reorderDelayMaxMs: 500 }, 2000).flatMap((o) => (o.kind === "in-flight" ? o.arrivalsMs : []));
    expect(Math.max(...reordered)).toBeGreaterThan(1050);
  });

  it("cuts links one direction at a time and heals them", () => {
    const net = new SimNetwork(new SeededRandom(7), perfectNetwork);
    net.cut(n(1), n(2));
    expect(net.send(msg(1, 2), 0)).toEqual({ kind: "dropped", reason: "link-cut" });
    expect(net.send(msg(2, 1), 0).kind).toBe("in-flight");
    expect(net.describeCuts()).toBe("1>2");
    net.healAll();
    expect(net.send(msg(1, 2), 0).kind).toBe("in-flight");
    net.cut(n(1), n(2));
    net.cut(n(1), n(3));
    net.healAmong([n(1), n(2)]);
    expect(net.describeCuts()).toBe("1>3");
  });

  it("gives the same outcomes for the same seed", () => {
    const faults = { ...perfectNetwork, dropProbability: 0.1, delayMeanMs: 10, delayMaxMs: 100, duplicateProbability: 0.1 };
    expect(sendMany(faults, 500, 42)).toEqual(sendMany(faults, 500, 42));
    expect(sendMany(faults, 500, 42)).not.toEqual(sendMany(faults, 500, 43));
  });

  it("refuses nonsense fault settings", () => {
    expect(() => new SimNetwork(new SeededRandom(1), { ...perfectNetwork, dropProbability: 1.5 })).toThrow(/probability/);
    expect(() => new SimNetwork(new SeededRandom(1), { ...perfectNetwork, delayMinMs: 0 })).toThrow(/at least 1 ms/);
  });
});

describe("partition shapes", () => {
  const all = [1, 2, 3, 4, 5].map(n);
  const reachable = (links: { from: number; to: number }[], from: number, to: number) => !links.some((l) => l.from === from && l.to === to);

  it("isolate cuts one node off both ways and nothing else", () => {
    const links = isolate(n(3), all);
    expect(links).toHaveLength(8);
    expect(reachable(links, 3, 1) || reachable(links, 1, 3)).toBe(false);
    expect(reachable(links, 1, 2)).toBe(true);
  });

  it("split separates the two sides completely", () => {
    const links = split([n(1), n(2)], all);
    expect(links).toEqual(cutBetween([n(1), n(2)], [n(3), n(4), n(5)]));
    expect(reachable(links, 1, 2) && reachable(links, 3, 5)).toBe(true);
    expect(reachable(links, 2, 4)).toBe(false);
  });

  it("bridge lets only the bridge node hear both halves", () => {
    const links = bridge(n(3), all);
    for (const x of all) expect(reachable(links, 3, x) && reachable(links, x, 3)).toBe(true);
    expect(reachable(links, 1, 4) || reachable(links, 2, 5)).toBe(false);
    expect(reachable(links, 1, 2) && reachable(links, 4, 5)).toBe(true);
  });

  it("ring lets each node hear only its two neighbours", () => {
    const links = ring(all);
    expect(reachable(links, 1, 2) && reachable(links, 1, 5) && reachable(links, 3, 4)).toBe(true);
    expect(reachable(links, 1, 3) || reachable(links, 2, 5)).toBe(false);
  });

  it("one-way cuts a single direction", () => {
    expect(oneWay(n(1), n(2))).toEqual([{ from: 1, to: 2 }]);
    expect(() => oneWay(n(1), n(1))).toThrow();
  });
});
