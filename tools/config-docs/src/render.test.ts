import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BROKER_CONFIG_DEFS } from '@tributary/broker';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOCS_PATH, renderConfigDocs } from './render.js';

describe('docs/broker/configuration.md', () => {
  it('is up to date with the config definitions (run `npm run gen:docs` if not)', () => {
    const committed = readFileSync(fileURLToPath(new URL(`../../../${CONFIG_DOCS_PATH}`, import.meta.url)), 'utf8');
    expect(committed).toBe(renderConfigDocs());
  });

  it('documents every key once, with its default', () => {
    const mainTable = renderConfigDocs().split('\n## ')[0]!;
    for (const def of BROKER_CONFIG_DEFS) {
      const rows = mainTable.split('\n').filter((l) => l.startsWith(`| \`${def.name}\` |`));
      expect(rows, def.name).toHaveLength(1);
      expect(rows[0], def.name).toContain(def.default === null ? '*unset*' : `\`${def.default}\``);
    }
  });
});
