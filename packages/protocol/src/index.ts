export * from './primitives/index.js';
export * from './records/index.js';
