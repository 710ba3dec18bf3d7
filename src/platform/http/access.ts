// Every route declares who may call it. Routes without a declaration make
// the app refuse to start, and the route table is kept so tests can walk it.
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Role } from '../../modules/accounts/tables.ts';

/**
 * - `public`: anyone, signed in or not;
 * - `signing-in`: a session whose second factor is still due (MFA challenge,
 *   enrolment, sign-out), or a complete one;
 * - `signed-in`: a complete session, any role;
 * - `{ roles }`: a complete session holding one of the roles (at any clinic;
 *   clinic and patient scope are checked by the service).
 */
export type Access = 'public' | 'signing-in' | 'signed-in' | { roles: readonly Role[] };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyInstance {
    routeTable: RouteEntry[];
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  access: Access | undefined;
}

/** Records routes; `check()` then fails on any route that did not declare access. */
export function trackRoutes(app: FastifyInstance): { check(): void } {
  const routes: { route: RouteOptions; url: string }[] = [];
  app.decorate('routeTable', [] as RouteEntry[]);
  app.addHook('onRoute', (route) => {
    // Fastify rewrites `route.url` after this hook for a prefixed '/' route
    // (GET /api/docs becomes /api/docs/), so keep the url it announced; the
    // access declaration is read later, once every onRoute hook has run.
    routes.push({ route, url: route.url });
  });
  return {
    check() {
      for (const { route, url } of routes) {
        for (const method of [route.method].flat())
          app.routeTable.push({ method, url, access: route.config?.access });
      }
      const missing = app.routeTable.filter((r) => !r.access);
      if (missing.length > 0)
        throw new Error(
          `Routes without an access declaration: ${missing.map((r) => `${r.method} ${r.url}`).join(', ')}`,
        );
    },
  };
}

/** For plugins whose routes we do not write (API docs): declares them public. */
export function publicByDefault(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, access: route.config?.access ?? 'public' };
  });
}
