// Where a new partition's replicas go: Kafka's rack-unaware round-robin placement
// (AdminUtils.assignReplicasToBrokersRackUnaware, kept by KRaft for rack-less clusters). The first
// replica of partition p goes to broker (p + startIndex) mod n, so leaders spread evenly; the other
// replicas follow at a shift that grows by one every n partitions, so followers spread too. The
// random start comes from the caller (an injected Random), which keeps this function pure.

import { assert, type BrokerId } from "@replog/common";

export interface PlacementRequest {
  /** Usable brokers (registered, unfenced, not shutting down), any order. */
  readonly brokers: readonly BrokerId[];
  readonly partitions: number;
  readonly replicationFactor: number;
  /** In [0, brokers.length): where the first partition's first replica goes. */
  readonly startIndex: number;
  /** In [0, brokers.length): the initial shift of the second replica. */
  readonly replicaShift: number;
  /** The id of the first partition to place (non-zero when adding partitions to a topic). */
  readonly firstPartitionId?: number;
}

/** One replica list per partition, in partition order. Preconditions are asserted, not returned. */
export function placeReplicas(req: PlacementRequest): BrokerId[][] {
  const brokers = [...req.brokers].sort((a, b) => a - b);
  const n = brokers.length;
  assert(req.replicationFactor >= 1 && req.replicationFactor <= n, `replication factor ${req.replicationFactor} with ${n} brokers`);
  assert(req.startIndex >= 0 && req.startIndex < n && req.replicaShift >= 0 && req.replicaShift < n, "start index and shift must be broker positions");
  const result: BrokerId[][] = [];
  let shift = req.replicaShift;
  let partitionId = req.firstPartitionId ?? 0;
  for (let i = 0; i < req.partitions; i++, partitionId++) {
    if (partitionId > 0 && partitionId % n === 0) shift += 1;
    const first = (partitionId + req.startIndex) % n;
    const replicas = [brokers[first]!];
    for (let j = 0; j < req.replicationFactor - 1; j++) {
      // Never 0 and never n: the other replicas always land on brokers distinct from the first.
      const offset = 1 + ((shift + j) % (n - 1));
      replicas.push(brokers[(first + offset) % n]!);
    }
    result.push(replicas);
  }
  return result;
}
