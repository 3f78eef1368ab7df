// Kafka's topic-name rules (org.apache.kafka.common.internals.Topic.validate).

/** Kafka: 249, so that a partition directory name `<topic>-<partition>` fits in 255 bytes. */
export const TOPIC_NAME_LENGTH_MAX = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Undefined when the name is legal, else the reason, in Kafka's words. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return "Topic name is illegal, it can't be empty";
  if (name === "." || name === "..") return "Topic name cannot be \".\" or \"..\"";
  if (name.length > TOPIC_NAME_LENGTH_MAX) {
    return `Topic name is illegal, it can't be longer than ${TOPIC_NAME_LENGTH_MAX} characters, topic name: ${name}`;
  }
  if (!LEGAL.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return undefined;
}

/**
 * Kafka refuses topics whose names differ only by '.' versus '_', because metric names replace
 * '.' with '_' and the two would collide.
 */
export function unifyCollisionChars(name: string): string {
  return name.replace(/\./g, "_");
}
