// Kafka refuses a request that names the same topic, partition or config resource twice
// (INVALID_REQUEST): two results computed from the same state for the same thing would write
// contradicting records in one batch.

/** The keys that occur more than once in `items`. */
export function duplicateKeys<T>(items: readonly T[], key: (item: T) => string): ReadonlySet<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) twice.add(k);
    seen.add(k);
  }
  return twice;
}
