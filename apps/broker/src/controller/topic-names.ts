/**
 * Kafka's topic name rules (org.apache.kafka.common.internals.Topic): 1-249 characters of
 * [a-zA-Z0-9._-], not "." or "..". Returns why a name is refused, or undefined.
 */
export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`;
  }
  if (!LEGAL.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return undefined;
}

/**
 * "a.b" and "a_b" collide in metric names, so Kafka refuses to create one when the other exists.
 */
export function collisionKey(name: string): string {
  return name.replace(/\./g, '_');
}

/** Topics Kafka itself creates and marks internal in metadata. */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);
