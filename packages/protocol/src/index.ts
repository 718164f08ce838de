export * from './primitives/index.js';
export * from './records/index.js';
export * from './errors/index.js';
export { FrameDecoder, frame, DEFAULT_MAX_FRAME_SIZE } from './framing/frame-decoder.js';
export { pickVersion, type ApiVersionRange } from './versions/negotiate.js';
export * from './compression/index.js';
export * from './messages/index.js';
export * from './headers/index.js';
