export { ErrorCode, type ErrorName, type ErrorInfo, kafkaErrors, errorInfo, isRetriable, KafkaError } from './error-codes.js';
