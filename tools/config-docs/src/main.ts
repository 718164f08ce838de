import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { API_DOCS_PATH, renderApiDocs } from './render-apis.js';
import { CONFIG_DOCS_PATH, renderConfigDocs } from './render.js';

// src/ and dist/ are both two levels below the repository root's tools/ folder.
const outputs: Array<[string, () => string]> = [
  [CONFIG_DOCS_PATH, renderConfigDocs],
  [API_DOCS_PATH, renderApiDocs],
];
for (const [path, render] of outputs) {
  writeFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), render());
  process.stdout.write(`wrote ${path}\n`);
}
