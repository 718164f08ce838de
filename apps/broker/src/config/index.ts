export type { ConfigDef, ConfigType, ConfigValue, Importance, Validator } from './config-def.js';
export {
  BROKER_CONFIG_DEFS,
  CONFIG_DEFS_BY_NAME,
  type BrokerConfigName,
  type NumberConfigName,
  type BooleanConfigName,
  type StringConfigName,
  type ListConfigName,
} from './definitions.js';
export {
  BrokerConfig,
  type BrokerConfigValues,
  type ConfigEntry,
  type ConfigLayer,
  type ConfigSource,
} from './broker-config.js';
export { ConfigError, isConfigError, type ConfigProblem } from './config-error.js';
export { parseProperties, PropertiesSyntaxError, type PropertyEntry } from './properties.js';
export {
  parseListeners,
  parseListenerAddresses,
  parseProtocolMap,
  formatHostPort,
  usesSasl,
  usesTls,
  LISTENER_OVERRIDABLE_KEYS,
  type ListenerSpec,
  type ListenerAddress,
  type ListenerConfigName,
  type SecurityProtocol,
} from './listeners.js';
export { TOPIC_CONFIG_SOURCES, topicConfigDefaults, topicDefaultProperties, type TopicConfigSource } from './topic-defaults.js';
export { loadBrokerConfig, overridesLayer, propertiesFileLayer } from './load-config.js';
export { formatValue, parseValue, TYPE_EXPECTATION } from './value-types.js';
export { DYNAMIC_BROKER_KEYS, isDynamicBrokerKey, brokerSynonyms } from './dynamic-broker-keys.js';
export { TOPIC_CONFIG_INFO, CONFIG_TYPE_ID, ConfigSourceId, type TopicConfigInfo } from './topic-config-info.js';
