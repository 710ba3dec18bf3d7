// SMART Backend Services (client_credentials with a signed JWT assertion):
// the portal proves who it is with its private key and gets a short-lived
// access token, cached until shortly before it expires. Only one token
// request runs at a time, however many FHIR requests are waiting for it.
import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import type { SmartBackendSettings } from '../config.ts';
import { EhrError } from './gateway.ts';
import { type Answer, fetchOnce } from './http.ts';
import { outcomeText } from './outcome.ts';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART allows at most five minutes; a little less leaves room for clock drift. */
const ASSERTION_LIFETIME_SECONDS = 240;
/** Used when the token endpoint does not say how long its token lasts. */
const DEFAULT_TOKEN_SECONDS = 300;

/** Gives the Authorization header for the next request. */
export interface TokenSource {
  authorization(): Promise<string>;
  /**
   * The EHR answered 401 to this header: forget that token. True when the
   * next call will fetch a new one (worth one more try).
   */
  refused(authorization: string): boolean;
}

interface Token {
  value: string;
  /** Date.now() after which we fetch a new one. */
  renewAt: number;
}

export class SmartBackendAuth implements TokenSource {
  private token: Token | undefined;
  private pending: Promise<Token> | undefined;
  private tokenUrl: string | undefined;
  private readonly baseUrl: string;
  private readonly settings: SmartBackendSettings;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, settings: SmartBackendSettings, timeoutMs: number) {
    this.baseUrl = baseUrl;
    this.settings = settings;
    this.timeoutMs = timeoutMs;
    this.tokenUrl = settings.tokenUrl;
  }

  async authorization(): Promise<string> {
    if (this.token && Date.now() < this.token.renewAt) return `Bearer ${this.token.value}`;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    const token = await this.pending;
    return `Bearer ${token.value}`;
  }

  refused(authorization: string): boolean {
    if (this.token && authorization === `Bearer ${this.token.value}`) this.token = undefined;
    return true;
  }

  private async fetchToken(): Promise<Token> {
    const tokenUrl = await this.discoverTokenUrl();
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: this.settings.scope,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: await this.assertion(tokenUrl),
    });
    const started = Date.now();
    const answer = await fetchOnce(
      tokenUrl,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
      },
      this.timeoutMs,
      'the token request',
    );
    if (answer.status !== 200) throw tokenRefusal(answer);
    const body = answer.body as {
      access_token?: unknown;
      token_type?: unknown;
      expires_in?: unknown;
    };
    if (
      typeof body?.access_token !== 'string' ||
      String(body.token_type).toLowerCase() !== 'bearer'
    ) {
      throw new EhrError(
        "The EHR's token endpoint answered without a bearer access token",
        502,
        undefined,
        false,
      );
    }
    const seconds =
      typeof body.expires_in === 'number' && body.expires_in > 0
        ? body.expires_in
        : DEFAULT_TOKEN_SECONDS;
    // Renew a little early (a tenth of its life, at most 30 s) so no request carries a token about to lapse.
    const margin = Math.min(30_000, seconds * 100);
    const token = { value: body.access_token, renewAt: started + seconds * 1000 - margin };
    this.token = token;
    return token;
  }

  /** The signed JWT that stands in for a client secret. */
  private assertion(tokenUrl: string): Promise<string> {
    const { alg, keyId, clientId, privateKey } = this.settings;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg, typ: 'JWT', ...(keyId ? { kid: keyId } : {}) })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_LIFETIME_SECONDS)
      .setJti(crypto.randomUUID())
      .sign(privateKey);
  }

  /** EHR_TOKEN_URL, else `token_endpoint` from `<base>/.well-known/smart-configuration`. */
  private async discoverTokenUrl(): Promise<string> {
    if (this.tokenUrl) return this.checkedTokenUrl(this.tokenUrl);
    const answer = await fetchOnce(
      `${this.baseUrl}/.well-known/smart-configuration`,
      { headers: { accept: 'application/json' } },
      this.timeoutMs,
      'SMART discovery',
    );
    if (answer.status !== 200) {
      throw new EhrError(
        `The EHR answered ${answer.status} to SMART discovery (${this.baseUrl}/.well-known/smart-configuration); set EHR_TOKEN_URL`,
        answer.status,
      );
    }
    const found = answer.body as {
      token_endpoint?: unknown;
      token_endpoint_auth_signing_alg_values_supported?: unknown;
    };
    if (typeof found?.token_endpoint !== 'string') {
      throw new EhrError(
        "The EHR's SMART configuration names no token_endpoint; set EHR_TOKEN_URL",
        502,
        undefined,
        false,
      );
    }
    const algs = found.token_endpoint_auth_signing_alg_values_supported;
    if (Array.isArray(algs) && !algs.includes(this.settings.alg)) {
      throw new EhrError(
        `The EHR does not accept ${this.settings.alg} client assertions (it accepts ${algs.join(', ')})`,
        400,
      );
    }
    this.tokenUrl = this.checkedTokenUrl(found.token_endpoint);
    return this.tokenUrl;
  }

  /** Never send the assertion in clear text when the EHR itself is reached over https. */
  private checkedTokenUrl(url: string): string {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new EhrError('The EHR token endpoint is not a URL', 400);
    }
    if (
      parsed.protocol !== 'https:' &&
      (this.baseUrl.startsWith('https:') || parsed.protocol !== 'http:')
    ) {
      throw new EhrError('The EHR token endpoint must be an https:// address', 400);
    }
    return url;
  }
}

/** A static token (EHR_AUTH=bearer): nothing to refresh. */
export class StaticBearer implements TokenSource {
  private readonly token: string;
  constructor(token: string) {
    this.token = token;
  }
  async authorization(): Promise<string> {
    return `Bearer ${this.token}`;
  }
  refused(): boolean {
    return false;
  }
}

/** OAuth errors are `{ error, error_description }`; some servers send an OperationOutcome. */
function tokenRefusal(answer: Answer): EhrError {
  const body = answer.body as { error?: unknown; error_description?: unknown } | undefined;
  const said =
    typeof body?.error === 'string'
      ? [body.error, typeof body.error_description === 'string' ? body.error_description : '']
          .filter(Boolean)
          .join(': ')
          .slice(0, 300)
      : outcomeText(answer.body);
  return new EhrError(
    `The EHR's token endpoint answered ${answer.status}${said ? ` (${said})` : ''}: check EHR_CLIENT_ID, the registered key and EHR_SCOPE`,
    answer.status,
  );
}
