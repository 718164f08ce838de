/** One entry of an ApiVersions answer: the range a peer supports for an API key. */
export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/**
 * Picks the version to use for an API: the highest version both we and the peer support, or
 * undefined when the ranges do not overlap or the peer does not list the key at all.
 */
export function pickVersion(
  apiKey: number,
  ours: { min: number; max: number },
  peer: Iterable<ApiVersionRange> | ReadonlyMap<number, ApiVersionRange>,
): number | undefined {
  let theirs: ApiVersionRange | undefined;
  if (peer instanceof Map) {
    theirs = peer.get(apiKey);
  } else {
    for (const r of peer as Iterable<ApiVersionRange>) {
      if (r.apiKey === apiKey) {
        theirs = r;
        break;
      }
    }
  }
  if (!theirs) return undefined;
  const max = Math.min(ours.max, theirs.maxVersion);
  const min = Math.max(ours.min, theirs.minVersion);
  return max >= min ? max : undefined;
}
