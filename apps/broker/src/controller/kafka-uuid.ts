import { randomBytes } from 'node:crypto';

/**
 * Kafka's Uuid as used for topic ids and cluster ids: 16 random bytes, shown as URL-safe base64
 * without padding (22 characters). Like Kafka's Uuid.randomUuid we never hand out the all-zero id
 * (it means "no id" on the wire) nor one whose text starts with "-" (it would read as a CLI flag).
 */
export function randomKafkaUuid(): Buffer {
  for (;;) {
    const id = randomBytes(16);
    if (id.some((b) => b !== 0) && !uuidToString(id).startsWith('-')) return id;
  }
}

export function uuidToString(id: Uint8Array): string {
  return Buffer.from(id).toString('base64url');
}

/** Parses the 22-character form; undefined when it is not one. */
export function uuidFromString(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]{22}$/.test(text)) return undefined;
  const id = Buffer.from(text, 'base64url');
  return id.length === 16 ? id : undefined;
}
