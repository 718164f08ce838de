import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ADVERTISED_VERSIONS, defaultHandlers } from '@tributary/broker';
import { apiByKey } from '@tributary/protocol';
import { describe, expect, it } from 'vitest';
import { API_DOCS_PATH, renderApiDocs } from './render-apis.js';

describe('docs/broker/apis.md', () => {
  it('is up to date with the handler registry (run `npm run gen:docs` if not)', () => {
    const committed = readFileSync(fileURLToPath(new URL(`../../../${API_DOCS_PATH}`, import.meta.url)), 'utf8');
    expect(committed).toBe(renderApiDocs());
  });

  it('lists every registered handler once under "Served", with its advertised range', () => {
    const served = renderApiDocs().split('\n## ')[1]!;
    for (const h of defaultHandlers()) {
      const rows = served.split('\n').filter((l) => l.startsWith(`| ${h.apiKey} |`));
      expect(rows, apiByKey[h.apiKey]!.name).toHaveLength(1);
      const { min, max } = h.versions;
      expect(rows[0]).toContain(`| ${apiByKey[h.apiKey]!.name} | ${min === max ? min : `${min}–${max}`} |`);
    }
  });

  it('lists the policy keys without a handler as not served, and nothing else', () => {
    const planned = renderApiDocs().split('\n## ')[2]!;
    const servedKeys = new Set(defaultHandlers().map((h) => h.apiKey as number));
    for (const key of Object.keys(ADVERTISED_VERSIONS).map(Number)) {
      const listed = planned.split('\n').some((l) => l.startsWith(`| ${key} | ${apiByKey[key]!.name} |`));
      expect(listed, apiByKey[key]!.name).toBe(!servedKeys.has(key));
    }
  });
});
