// Shared option helpers for the Kafka-shaped commands.

/** commander accumulator for repeatable options (`--override a=1 --override b=2`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
