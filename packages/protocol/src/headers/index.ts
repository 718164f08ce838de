export {
  apiSpecFor,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  peekCorrelationId,
  requestHeaderVersion,
  responseHeaderVersion,
  type DecodedRequest,
  type DecodedRequestHeader,
  type RequestHeaderFields,
} from './frames.js';
