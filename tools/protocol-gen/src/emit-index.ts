import { Code } from './code-writer.js';
import { BANNER, apiConstName, codecConstName } from './emit-module.js';
import type { ApiDef, MessageDef } from './model.js';
import { camelCase } from './names.js';

/** Emits messages/index.ts: re-exports, the ApiKey enum, the apiByKey registry and typed key maps. */

export function emitIndex(apis: ApiDef[], apiModules: Map<ApiDef, string>, standalone: Array<[MessageDef, string]>): string {
  const c = new Code();
  const jsPath = (file: string): string => `./${file.replace(/\.ts$/, '.js')}`;
  c.line(BANNER);
  c.line();
  c.line("export type * from './schema-types.js';");
  for (const api of apis) c.line(`export * from '${jsPath(apiModules.get(api)!)}';`);
  for (const [m, file] of standalone) {
    if (m.kind === 'header') {
      // Header codecs are exported as codec objects only: the frame helpers in ../headers own the
      // plain names (decodeRequestHeader(buf) reads a header of whichever version the API needs).
      const names = [`type ${m.name}`, `default${m.name}`, codecConstName(m), `${camelCase(m.name)}Schema`];
      c.line(`export { ${names.join(', ')} } from '${jsPath(file)}';`);
    } else {
      c.line(`export * from '${jsPath(file)}';`);
    }
  }
  c.line();
  c.line("import type { ApiSpec, MessageCodec } from './schema-types.js';");
  for (const api of apis) {
    const names = [apiConstName(api), `type ${api.request.name}`, `type ${api.response.name}`];
    c.line(`import { ${names.join(', ')} } from '${jsPath(apiModules.get(api)!)}';`);
  }
  for (const [m, file] of standalone) c.line(`import { ${codecConstName(m)} } from '${jsPath(file)}';`);
  c.line();
  c.line('/** Every Kafka API key by its Kafka name. */');
  c.open('export enum ApiKey {');
  for (const api of apis) c.line(`${api.name} = ${api.key},`);
  c.close();
  c.line();
  c.line('/** Every API in key order. */');
  c.open('export const apis: readonly ApiSpec[] = [');
  for (const api of apis) c.line(`${apiConstName(api)},`);
  c.close('];');
  c.line();
  c.line('/** Dispatch table: API key to its versions, header rules and codecs. */');
  c.line('export const apiByKey: Readonly<Record<number, ApiSpec>> = Object.fromEntries(apis.map((api) => [api.key, api]));');
  c.line();
  c.line('/** Request body type by API key. */');
  c.open('export interface RequestByKey {');
  for (const api of apis) c.line(`[ApiKey.${api.name}]: ${api.request.name};`);
  c.close();
  c.line();
  c.line('/** Response body type by API key. */');
  c.open('export interface ResponseByKey {');
  for (const api of apis) c.line(`[ApiKey.${api.name}]: ${api.response.name};`);
  c.close();
  c.line();
  c.line('/** Every generated message codec: requests, responses, headers and data records. */');
  c.open('export const allMessageCodecs: readonly MessageCodec<unknown>[] = [');
  for (const api of apis) {
    c.line(`${apiConstName(api)}.request,`);
    c.line(`${apiConstName(api)}.response,`);
  }
  for (const [m] of standalone) c.line(`${codecConstName(m)},`);
  c.close('];');
  return `${c.toString()}\n`;
}
