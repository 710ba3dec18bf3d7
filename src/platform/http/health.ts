// Liveness (the process answers) and readiness (the database answers and its
// schema is current; false while shutting down so the balancer drains us).
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { Database } from '../db/database.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { ErrorResponse } from './errors.ts';

export function installHealth(app: FastifyInstance, database: Database, draining: () => boolean) {
  const Status = Type.Object({ status: Type.String() });
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: { tags: ['operations'], summary: 'The process is up', response: { 200: Status } },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'Ready for traffic: database reachable and migrations current',
        response: { 200: Status, 503: ErrorResponse },
      },
    },
    async (_req, reply) => {
      const problems = draining() ? ['shutting down'] : await databaseProblems(database);
      if (problems.length === 0) return { status: 'ready' };
      return reply.status(503).send({
        error: {
          code: 'not_ready',
          message: `Not ready: ${problems.join('; ')}`,
          details: problems,
        },
      });
    },
  );
}

async function databaseProblems(database: Database): Promise<string[]> {
  try {
    await sql`select 1`.execute(database.db);
    const pending = await pendingMigrations(database);
    return pending.length ? [`migrations not applied: ${pending.join(', ')}`] : [];
  } catch {
    return ['database unreachable'];
  }
}
