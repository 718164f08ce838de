export {
  ProducerIdManager,
  ProducerIdError,
  PRODUCER_ID_BLOCK_FILE,
  PRODUCER_ID_BLOCK_SIZE,
  type ProducerIdManagerOptions,
} from './producer-id-manager.js';
