import { emitIndex } from './emit-index.js';
import { emitApiModule, emitStandaloneModule, exportedNames } from './emit-module.js';
import { buildMessage, pairApis, type ApiDef, type MessageDef } from './model.js';
import { kebabCase } from './names.js';
import type { RawSpec } from './spec-loader.js';

/** Turns the parsed specs into the generated files: file name -> content. Pure, so tests can call it. */
export function generate(specs: RawSpec[]): Map<string, string> {
  const files = new Map<string, string>();
  const sourceOf = new Map<MessageDef, string>();
  const messages = specs.map((spec) => {
    const m = buildMessage(spec);
    sourceOf.set(m, spec.file);
    return m;
  });
  checkUniqueNames(messages);

  const apis = pairApis(messages);
  const apiModules = new Map<ApiDef, string>();
  for (const api of apis) {
    const file = `${kebabCase(api.name)}.ts`;
    apiModules.set(api, file);
    files.set(file, emitApiModule(api, [sourceOf.get(api.request)!, sourceOf.get(api.response)!]));
  }
  const standalone: Array<[MessageDef, string]> = [];
  for (const m of messages) {
    if (m.apiKey !== null) continue;
    const file = `${kebabCase(m.name)}.ts`;
    standalone.push([m, file]);
    files.set(file, emitStandaloneModule(m, sourceOf.get(m)!));
  }
  for (const file of files.keys()) if (file === 'index.ts') throw new Error('a message module would be called index.ts');
  files.set('index.ts', emitIndex(apis, apiModules, standalone));
  return files;
}

function checkUniqueNames(messages: MessageDef[]): void {
  const owner = new Map<string, string>();
  for (const m of messages) {
    for (const name of exportedNames(m)) {
      const prior = owner.get(name);
      if (prior !== undefined) throw new Error(`exported name ${name} generated for both ${prior} and ${m.name}`);
      owner.set(name, m.name);
    }
  }
}
