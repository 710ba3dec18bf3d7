// A browser-like client for app.inject: keeps cookies and sends the CSRF
// token on state-changing requests, as the web app does.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

export class Client {
  readonly app: FastifyInstance;
  readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;
  ip = '203.0.113.10';
  userAgent = 'vitest-client';

  constructor(app: FastifyInstance) {
    this.app = app;
  }

  async request(options: InjectOptions & { csrf?: boolean }): Promise<LightMyRequestResponse> {
    const method = (options.method ?? 'GET').toUpperCase();
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(method);
    if (unsafe && options.csrf !== false && !this.csrfToken) await this.refreshCsrf();
    const given = { ...(options.headers as Record<string, string> | undefined) };
    // A cookie header of the test's own is sent along with the jar's cookies.
    const jar = [...this.cookies].map(([k, v]) => `${k}=${v}`);
    const cookie = [...jar, given.cookie].filter(Boolean).join('; ');
    delete given.cookie;
    const headers: Record<string, string> = {
      'user-agent': this.userAgent,
      ...(cookie ? { cookie } : {}),
      ...(unsafe && options.csrf !== false && this.csrfToken
        ? { 'x-csrf-token': this.csrfToken }
        : {}),
      ...given,
    };
    const { csrf: _, ...rest } = options;
    const res = await this.app.inject({
      ...rest,
      method: method as InjectOptions['method'],
      headers,
      remoteAddress: this.ip,
    });
    for (const c of res.cookies as {
      name: string;
      value: string;
      maxAge?: number;
      expires?: Date;
    }[]) {
      const cleared =
        c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() <= Date.now());
      if (cleared) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }

  get = (url: string, headers?: Record<string, string>) =>
    this.request({ method: 'GET', url, headers });
  post = (url: string, payload?: unknown) =>
    this.request({ method: 'POST', url, payload: payload as InjectOptions['payload'] });
  put = (url: string, payload?: unknown) =>
    this.request({ method: 'PUT', url, payload: payload as InjectOptions['payload'] });
  patch = (url: string, payload?: unknown) =>
    this.request({ method: 'PATCH', url, payload: payload as InjectOptions['payload'] });
  delete = (url: string, payload?: unknown) =>
    this.request({ method: 'DELETE', url, payload: payload as InjectOptions['payload'] });

  /** Fetches the CSRF token (and its cookie) the way the web app does. */
  async refreshCsrf() {
    const res = await this.request({ method: 'GET', url: '/api/session' });
    this.csrfToken = res.json().csrfToken;
    return res.json();
  }
}
