import { ApiKey } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { startBroker } from '../broker.js';
import { run } from '../test-support/processes.js';
import { silentLogger, tempDir } from '../test-support/test-env.js';
import { ADVERTISED_VERSIONS } from './advertised-versions.js';
import { apiVersionsHandler } from './api-versions.js';
import { defineHandler, type AnyApiHandler } from './handler.js';

/**
 * The policy table checked by the real librdkafka 2.0.2 (kcat): a broker advertising the whole
 * table, where every API but ApiVersions is a placeholder that is never called (kcat only connects
 * and negotiates), must get every feature the broker will need enabled.
 */
describe('advertised version policy, as librdkafka 2.0.2 reads it', () => {
  it('enables record batches, consumer groups, compression, idempotence and SASL', async () => {
    const t = await tempDir();
    const placeholders = Object.entries(ADVERTISED_VERSIONS)
      .filter(([key]) => Number(key) !== ApiKey.ApiVersions)
      .map(([key, versions]) =>
        defineHandler({
          apiKey: Number(key) as ApiKey,
          versions: versions!,
          handle: () => {
            throw new Error('placeholder: only advertised in this test');
          },
        }),
      ) as AnyApiHandler[];
    const b = await startBroker({ port: 0, dataDir: t.dir, logger: silentLogger(), handlers: [apiVersionsHandler, ...placeholders] });
    try {
      const kcat = await run('kcat', ['-b', b.bootstrap, '-L', '-d', 'feature', '-m', '1'], { timeoutMs: 15_000 });
      const enabled = [...kcat.stderr.matchAll(/Enabling feature (\w+)/g)].map((m) => m[1]);
      for (const feature of [
        'MsgVer2',
        'ApiVersion',
        'BrokerGroupCoordinator',
        'BrokerBalancedConsumer',
        'Sasl',
        'SaslHandshake',
        'SaslAuthReq',
        'LZ4',
        'OffsetTime',
        'IdempotentProducer',
        'ZSTD',
      ]) {
        expect(enabled, feature).toContain(feature);
      }
      // Off with Kafka 4.0 as well (Fetch starts at 4 there too); record batches replace both.
      const disabled = [...kcat.stderr.matchAll(/Disabling feature (\w+)/g)].map((m) => m[1]);
      expect([...new Set(disabled)].sort()).toEqual(['MsgVer1', 'ThrottleTime']);
    } finally {
      await b.stop();
      await t.cleanup();
    }
  });
});
