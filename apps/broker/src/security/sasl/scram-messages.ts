/**
 * The two SCRAM messages a server parses (RFC 5802 §7), kept with the exact text the
 * AuthMessage is built from. Anything off the grammar is a ScramMessageError carrying the RFC's
 * server-error value for it.
 *
 *   client-first-message = gs2-header client-first-message-bare
 *   gs2-header           = gs2-cbind-flag "," [ "a=" saslname ] ","
 *   gs2-cbind-flag       = ("p=" cb-name) / "n" / "y"
 *   client-first-message-bare = [ "m=" ext "," ] "n=" saslname "," "r=" c-nonce [ "," extensions ]
 *   client-final-message = "c=" base64 "," "r=" nonce [ "," extensions ] "," "p=" base64
 */

export class ScramMessageError extends Error {
  override readonly name = 'ScramMessageError';
  constructor(
    /** RFC 5802 server-error-value (sent as `e=` where the protocol allows). */
    readonly serverError: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ClientFirstMessage {
  /** "n,," / "y,," / "n,a=alice," exactly as sent: the final message's c= must carry it back. */
  readonly gs2Header: string;
  /** The authorization identity asked for (unescaped); '' when none. */
  readonly authorizationId: string;
  /** The user name, unescaped (=2C → ',', =3D → '='). */
  readonly username: string;
  readonly clientNonce: string;
  /** Extensions after the nonce, e.g. Kafka's tokenauth=true. */
  readonly extensions: ReadonlyMap<string, string>;
  /** client-first-message-bare, verbatim. */
  readonly bare: string;
}

export interface ClientFinalMessage {
  /** The decoded c= value: must equal the gs2 header (no channel binding data). */
  readonly channelBinding: Buffer;
  readonly nonce: string;
  readonly proof: Buffer;
  /** client-final-message-without-proof, verbatim. */
  readonly withoutProof: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** printable = %x21-2B / %x2D-7E: visible ASCII except ','. */
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** RFC 5802 attr-val is one letter; Kafka's extensions (tokenauth=true) are whole words. */
const EXTENSION = /^([A-Za-z]+)=(.*)$/s;

function decodeText(token: Buffer): string {
  try {
    return utf8.decode(token);
  } catch {
    throw new ScramMessageError('invalid-encoding', 'SCRAM message is not valid UTF-8');
  }
}

/** saslname: '=' only as =2C or =3D; NUL is not allowed (RFC 5802 value-safe-char). */
export function unescapeSaslName(saslname: string): string {
  if (saslname === '' || saslname.includes('\0') || /=(?!2C|3D)/.test(saslname)) {
    throw new ScramMessageError('invalid-username-encoding', 'SCRAM user name is not a valid saslname');
  }
  return saslname.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function extensionsOf(parts: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of parts) {
    const m = EXTENSION.exec(p);
    if (!m) throw new ScramMessageError('invalid-encoding', 'malformed SCRAM extension attribute');
    out.set(m[1]!, m[2]!);
  }
  return out;
}

export function parseClientFirst(token: Buffer): ClientFirstMessage {
  const text = decodeText(token);
  const parts = text.split(',');
  if (parts.length < 4) throw new ScramMessageError('invalid-encoding', 'SCRAM client-first message is too short');
  const [flag, authz] = parts as [string, string];
  if (flag.startsWith('p=')) {
    throw new ScramMessageError('channel-binding-not-supported', 'the client asked for channel binding, which Kafka listeners do not offer');
  }
  // "y": the client supports channel binding but thinks the server does not; a server without it accepts that.
  if (flag !== 'n' && flag !== 'y') throw new ScramMessageError('invalid-encoding', 'SCRAM gs2 channel-binding flag must be n, y or p=');
  let authorizationId = '';
  if (authz !== '') {
    if (!authz.startsWith('a=')) throw new ScramMessageError('invalid-encoding', 'SCRAM gs2 authzid must start with a=');
    authorizationId = unescapeSaslName(authz.slice(2));
  }
  const bareParts = parts.slice(2);
  if (bareParts[0]!.startsWith('m=')) {
    throw new ScramMessageError('extensions-not-supported', 'the client requires a SCRAM extension (m=) this server does not know');
  }
  const [user, nonce, ...extensions] = bareParts as [string, string, ...string[]];
  if (!user.startsWith('n=')) throw new ScramMessageError('invalid-encoding', 'SCRAM client-first message lacks n=');
  if (!nonce.startsWith('r=') || !PRINTABLE.test(nonce.slice(2))) {
    throw new ScramMessageError('invalid-encoding', 'SCRAM client-first message lacks a printable r= nonce');
  }
  return {
    gs2Header: `${flag},${authz},`,
    authorizationId,
    username: unescapeSaslName(user.slice(2)),
    clientNonce: nonce.slice(2),
    extensions: extensionsOf(extensions),
    bare: bareParts.join(','),
  };
}

export function parseClientFinal(token: Buffer): ClientFinalMessage {
  const text = decodeText(token);
  const proofAt = text.lastIndexOf(',p=');
  if (proofAt < 0) throw new ScramMessageError('invalid-encoding', 'SCRAM client-final message lacks p=');
  const withoutProof = text.slice(0, proofAt);
  const proof = text.slice(proofAt + 3);
  const [cb, nonce, ...extensions] = withoutProof.split(',') as [string, string | undefined, ...string[]];
  if (!cb.startsWith('c=') || !BASE64.test(cb.slice(2))) throw new ScramMessageError('invalid-encoding', 'SCRAM client-final message lacks a base64 c=');
  if (nonce === undefined || !nonce.startsWith('r=') || !PRINTABLE.test(nonce.slice(2))) {
    throw new ScramMessageError('invalid-encoding', 'SCRAM client-final message lacks a printable r= nonce');
  }
  if (!BASE64.test(proof) || proof === '') throw new ScramMessageError('invalid-encoding', 'SCRAM client proof is not base64');
  extensionsOf(extensions);
  return {
    channelBinding: Buffer.from(cb.slice(2), 'base64'),
    nonce: nonce.slice(2),
    proof: Buffer.from(proof, 'base64'),
    withoutProof,
  };
}

/** server-first-message: r=<client nonce + server nonce>,s=<base64 salt>,i=<iterations>. */
export function formatServerFirst(nonce: string, salt: Buffer, iterations: number): string {
  return `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
}
