// Kafka's default partitioner for keyed records: `toPositive(murmur2(keyBytes)) % numPartitions`
// (Java client `Utils.murmur2` and `BuiltInPartitioner.partitionForKey`). Reproduced bit for bit,
// so that a key lands on the same partition as with any Kafka client, including KafkaJS's
// `JavaCompatiblePartitioner`. Multiplications use Math.imul to keep Java's 32-bit wrap-around.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Kafka's murmur2 (MurmurHash2, seed 0x9747b28c) as a signed 32-bit integer, like Java's `int`. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length & ~3;
  for (let i = 0; i < length4; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The 1-3 tail bytes, as Java's falling-through switch mixes them in.
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= data[length4 + 2]! << 16;
    if (tail >= 2) h ^= data[length4 + 1]! << 8;
    h ^= data[length4]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka `Utils.toPositive`: clears the sign bit (not Math.abs, which fails for -2^31). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function defaultPartition(key: Uint8Array, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  }
  return toPositive(murmur2(key)) % numPartitions;
}
