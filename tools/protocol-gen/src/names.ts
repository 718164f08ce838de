/** Naming rules that turn spec names into TypeScript and file names. */

/** Kafka's own rule for field names: lower-case the first letter ("TopicId" -> "topicId"). */
export function camelCase(specName: string): string {
  return specName.charAt(0).toLowerCase() + specName.slice(1);
}

/** "ApiVersions" -> "api-versions", "KRaftVersionRecord" -> "kraft-version-record". */
export function kebabCase(name: string): string {
  return name
    .replace(/KRaft/g, 'Kraft')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** The API name Kafka uses for a request/response pair ("ProduceRequest" -> "Produce"). */
export function apiBaseName(messageName: string): string {
  return messageName.replace(/(Request|Response)$/, '');
}

/**
 * Identifiers a generated function already uses for its own purposes, plus words that cannot be
 * local variable names; a field whose camel-case name is one of these gets a trailing underscore
 * for its local variable (the property name is unchanged).
 */
const TAKEN = new Set([
  'r', 'w', 'v', 't', 'e', 'i', 'n', 'a', 'version', 'tag', 'value', 'input',
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else',
  'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof',
  'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void',
  'while', 'with', 'yield', 'let', 'static', 'implements', 'interface', 'package', 'private', 'protected',
  'public', 'await', 'arguments', 'eval', 'undefined', 'Buffer', 'Reader', 'Writer',
]);

export function localName(propertyName: string): string {
  return TAKEN.has(propertyName) ? `${propertyName}_` : propertyName;
}
