// Partition shapes as sets of directed link cuts. Each function lists the links that stop
// carrying messages; `SimNetwork.cut` applies them. Shapes from Jepsen's nemesis menu and
// FoundationDB's clogging: isolate one node, split a majority from a minority, a bridge (two
// halves that only one node hears), a ring (each node hears only its neighbours), and one-way
// cuts (A cannot reach B, B still reaches A).

import { assert, type NodeId } from "@replog/common";

export interface DirectedLink {
  readonly from: NodeId;
  readonly to: NodeId;
}

export type PartitionShape = "isolate" | "split" | "bridge" | "ring" | "one-way";
export const partitionShapes: readonly PartitionShape[] = ["isolate", "split", "bridge", "ring", "one-way"];

/** Every link between the two groups, both ways. */
export function cutBetween(a: readonly NodeId[], b: readonly NodeId[]): DirectedLink[] {
  const links: DirectedLink[] = [];
  for (const x of a) {
    for (const y of b) {
      if (x === y) continue;
      links.push({ from: x, to: y }, { from: y, to: x });
    }
  }
  return links;
}

/** `node` can neither send to nor hear from anyone. */
export function isolate(node: NodeId, all: readonly NodeId[]): DirectedLink[] {
  return cutBetween([node], all.filter((n) => n !== node));
}

/** The nodes in `side` on one side, the rest on the other. */
export function split(side: readonly NodeId[], all: readonly NodeId[]): DirectedLink[] {
  return cutBetween(side, all.filter((n) => !side.includes(n)));
}

/**
 * Two halves that cannot hear each other, except through `bridge`, which hears both. With five
 * nodes both halves plus the bridge are majorities: the classic shape for two leaders in
 * different terms believing they lead.
 */
export function bridge(bridgeNode: NodeId, all: readonly NodeId[]): DirectedLink[] {
  const others = all.filter((n) => n !== bridgeNode);
  const half = Math.ceil(others.length / 2);
  return cutBetween(others.slice(0, half), others.slice(half));
}

/** Nodes in the given order form a ring: each hears only its two neighbours. */
export function ring(order: readonly NodeId[]): DirectedLink[] {
  const n = order.length;
  assert(n >= 3, "a ring needs at least three nodes");
  const links: DirectedLink[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const distance = Math.min((i - j + n) % n, (j - i + n) % n);
      if (distance > 1) links.push({ from: order[i]!, to: order[j]! });
    }
  }
  return links;
}

/** Only `from` -> `to` stops. */
export function oneWay(from: NodeId, to: NodeId): DirectedLink[] {
  assert(from !== to, "a one-way cut needs two nodes");
  return [{ from, to }];
}
