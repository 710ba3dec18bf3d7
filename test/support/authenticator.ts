// A software passkey authenticator for tests: an ES256 key per credential,
// 'none' attestation, and answers to creation and request options shaped
// the way a browser's PublicKeyCredential.toJSON() shapes them.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_ATTESTED_DATA = 0x40;

interface Credential {
  id: string;
  rpId: string;
  userHandle: string;
  privateKey: KeyObject;
  counter: number;
}

export interface Gesture {
  /** The page's origin as the browser reports it (a phishing site has another). */
  origin?: string;
  /** Whether the person unlocked the key with PIN or biometrics. */
  userVerified?: boolean;
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const b64 = (bytes: Uint8Array) => isoBase64URL.fromBuffer(new Uint8Array(bytes));

export class SoftAuthenticator {
  readonly origin: string;
  readonly credentials: Credential[] = [];

  constructor(origin: string) {
    this.origin = origin;
  }

  /** navigator.credentials.create(): a new key pair for the site. */
  create(options: PublicKeyCredentialCreationOptionsJSON, gesture: Gesture = {}) {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    if (options.excludeCredentials?.some((c) => this.credentials.some((k) => k.id === c.id)))
      throw new Error('InvalidStateError: this authenticator is already registered');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credentialId = randomBytes(32);
    const credential: Credential = {
      id: b64(credentialId),
      rpId,
      userHandle: options.user.id,
      privateKey,
      counter: 0,
    };
    this.credentials.push(credential);
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, isoBase64URL.toBuffer(jwk.x as string)],
        [-3, isoBase64URL.toBuffer(jwk.y as string)],
      ]),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      this.header(rpId, FLAG_ATTESTED_DATA | flags(gesture), credential.counter),
      Buffer.alloc(16), // AAGUID: none
      idLength,
      credentialId,
      cose,
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', authData],
      ]),
    );
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: clientData(
          'webauthn.create',
          options.challenge,
          gesture.origin ?? this.origin,
        ),
        attestationObject: b64(attestationObject),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    } satisfies RegistrationResponseJSON;
  }

  /**
   * navigator.credentials.get(): signs the challenge with a credential the
   * options allow (or, with none named, any of this site's: a discoverable one).
   */
  get(
    options: PublicKeyCredentialRequestOptionsJSON,
    gesture: Gesture & { counter?: number } = {},
  ) {
    const rpId = options.rpId ?? new URL(this.origin).hostname;
    const allowed = options.allowCredentials?.length
      ? this.credentials.filter((k) => options.allowCredentials?.some((c) => c.id === k.id))
      : this.credentials.filter((k) => k.rpId === rpId);
    const credential = allowed[0];
    if (!credential) throw new Error('NotAllowedError: no passkey for this site');
    credential.counter = gesture.counter ?? credential.counter + 1;
    const authData = this.header(rpId, flags(gesture), credential.counter);
    const clientDataJSON = clientData(
      'webauthn.get',
      options.challenge,
      gesture.origin ?? this.origin,
    );
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(isoBase64URL.toBuffer(clientDataJSON))]),
      credential.privateKey,
    );
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON,
        authenticatorData: b64(authData),
        signature: b64(signature),
        userHandle: credential.userHandle,
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    } satisfies AuthenticationResponseJSON;
  }

  private header(rpId: string, flagBits: number, counter: number): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flagBits]), count]);
  }
}

const flags = (g: Gesture) =>
  FLAG_USER_PRESENT | (g.userVerified === false ? 0 : FLAG_USER_VERIFIED);

function clientData(type: string, challenge: string, origin: string): string {
  return isoBase64URL.fromUTF8String(
    JSON.stringify({ type, challenge, origin, crossOrigin: false }),
  );
}
