import { describe, expect, it } from 'vitest';
import { pickVersion } from './negotiate.js';

describe('pickVersion', () => {
  const peer = [
    { apiKey: 0, minVersion: 3, maxVersion: 9 },
    { apiKey: 1, minVersion: 12, maxVersion: 17 },
  ];
  it('picks the highest common version', () => {
    expect(pickVersion(0, { min: 0, max: 11 }, peer)).toBe(9);
    expect(pickVersion(0, { min: 0, max: 5 }, peer)).toBe(5);
    expect(pickVersion(0, { min: 0, max: 5 }, new Map(peer.map((p) => [p.apiKey, p])))).toBe(5);
  });
  it('returns undefined without overlap or when the peer lacks the key', () => {
    expect(pickVersion(1, { min: 0, max: 11 }, peer)).toBeUndefined();
    expect(pickVersion(3, { min: 0, max: 12 }, peer)).toBeUndefined();
  });
});
