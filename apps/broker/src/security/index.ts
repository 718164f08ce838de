export { ANONYMOUS, formatPrincipal, samePrincipal, userPrincipal, type KafkaPrincipal } from './principal.js';
export { parseJaasConfig, JaasSyntaxError, type JaasControlFlag, type JaasLoginModule } from './jaas.js';
export {
  resolveSecurity,
  PLAIN_LOGIN_MODULE,
  SCRAM_LOGIN_MODULE,
  type ListenerSecurity,
  type SaslListenerSettings,
  type SecuritySetup,
} from './listener-security.js';
export { resolveTlsSettings, type SslClientAuth, type TlsListenerSettings } from './tls-settings.js';
export { SaslServerAuthenticator, type AuthStep, type SaslAuthenticatorOptions } from './sasl-authenticator.js';
export { alterUserScramCredentials, describeUserScramCredentials, scramCredentialLookup } from './scram-credential-admin.js';
export { IMPLEMENTED_MECHANISMS, SaslAuthenticationError, type ImplementedMechanism, type SaslServer } from './sasl/sasl-server.js';
export { PlainSaslServer } from './sasl/plain-server.js';
export { ScramSaslServer, type ScramCredentialLookup } from './sasl/scram-server.js';
export {
  credentialFromSaltedPassword,
  saltedPassword,
  scramMechanismByName,
  scramMechanismByType,
  SCRAM_MECHANISMS,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  type ScramCredential,
  type ScramMechanism,
  type ScramMechanismName,
} from './sasl/scram-crypto.js';
