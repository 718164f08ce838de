import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaError, errorInfo, isRetriable, kafkaErrors } from './error-codes.js';

describe('Kafka error table', () => {
  it('has every code from -1 to 128 except the never-assigned 99, each name once', () => {
    const codes = kafkaErrors.map((e) => e.code);
    const expected = [-1, ...Array.from({ length: 129 }, (_, i) => i).filter((c) => c !== 99)];
    expect(codes).toEqual(expected);
    expect(new Set(kafkaErrors.map((e) => e.name)).size).toBe(kafkaErrors.length);
  });

  it('matches Kafka for well-known codes and retriability', () => {
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35);
    expect(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER).toBe(45);
    expect(ErrorCode.MEMBER_ID_REQUIRED).toBe(79);
    expect(errorInfo(6)).toMatchObject({ name: 'NOT_LEADER_OR_FOLLOWER', retriable: true });
    expect(errorInfo(1)).toMatchObject({ name: 'OFFSET_OUT_OF_RANGE', retriable: false });
    expect(isRetriable(ErrorCode.REBALANCE_IN_PROGRESS)).toBe(false);
    expect(isRetriable(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)).toBe(true);
    expect(errorInfo(5000)).toMatchObject({ name: 'UNKNOWN', retriable: false });
  });

  it('agrees with kafkajs 2.2.4 on retriability for every code both define', async () => {
    // kafkajs keeps older names for a few codes (e.g. NOT_LEADER_FOR_PARTITION); compare by code.
    const { errorCodes } = (await import('kafkajs/src/protocol/error.js' as string)) as {
      errorCodes: Array<{ code: number; retriable: boolean }>;
    };
    expect(errorCodes.length).toBeGreaterThan(80);
    for (const e of errorCodes) expect({ code: e.code, retriable: errorInfo(e.code).retriable }).toEqual({ code: e.code, retriable: e.retriable });
  });

  it('KafkaError carries code, type and retriable flag', () => {
    const err = new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'partition t-0');
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe(6);
    expect(err.type).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(err.retriable).toBe(true);
    expect(err.message).toContain('partition t-0');
  });
});
