import {
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';
import { api } from '../api.ts';
import type { SignInAnswer } from './signInFlow.ts';

// The browser side of passkeys: ask the server for options, let the browser
// talk to the authenticator, send the signed answer back.

/** Signs in with a discoverable passkey (no e-mail asked, so none is revealed). */
export async function signInWithPasskey(): Promise<SignInAnswer> {
  const optionsJSON = await api<PublicKeyCredentialRequestOptionsJSON>(
    '/api/session/passkey/options',
    { method: 'POST', json: {} },
  );
  const credential: AuthenticationResponseJSON = await startAuthentication({ optionsJSON });
  return api<SignInAnswer>('/api/session/passkey', { method: 'POST', json: { credential } });
}

export interface AddedPasskey {
  passkey: Passkey;
  /** Only when it is the account's first second factor: shown once. */
  recoveryCodes?: string[];
}

export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Creates a passkey for the signed-in user and saves it under `name`. */
export async function registerPasskey(name?: string): Promise<AddedPasskey> {
  const optionsJSON = await api<PublicKeyCredentialCreationOptionsJSON>(
    '/api/account/passkeys/options',
    { method: 'POST', json: {} },
  );
  const credential: RegistrationResponseJSON = await startRegistration({ optionsJSON });
  return api<AddedPasskey>('/api/account/passkeys', {
    method: 'POST',
    json: { name: name?.trim() || undefined, credential },
  });
}

/** The user closed the browser's passkey prompt, or no passkey was found. */
export function isPasskeyCancel(error: unknown): boolean {
  return (
    error instanceof Error && (error.name === 'NotAllowedError' || error.name === 'AbortError')
  );
}
