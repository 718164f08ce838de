export { ProtocolError, isProtocolError, type ProtocolErrorKind } from './protocol-error.js';
export { Reader } from './reader.js';
export { Writer } from './writer.js';
