// Background jobs on pg-boss, in the portal's own database (embedded or
// server), so a queued job survives a restart and any instance may run it.
import { PgBoss, type WorkHandler } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';

export type JobHandler = WorkHandler<object>;

export interface Jobs {
  boss: PgBoss;
  /** Creates the queue (idempotent) and, when this instance works jobs, its worker. */
  handle(queue: string, handler: JobHandler): Promise<void>;
  send(queue: string, data: object): Promise<string | null>;
  /** Jobs waiting and running per queue, for /metrics (counts up to a minute old). */
  depths(): Promise<{ queue: string; queued: number; active: number }[]>;
  /** Stops taking jobs and waits up to `timeoutMs` for running ones. */
  stop(timeoutMs: number): Promise<void>;
}

export async function startJobs(
  database: Database,
  log: Logger,
  options: { work: boolean } = { work: true },
): Promise<Jobs> {
  const boss = new PgBoss({ ...database.jobStore, schema: 'pgboss', max: 4 });
  // Errors here are pg-boss's own (a failed poll); they are logged, never fatal.
  boss.on('error', (err) => log.error({ err }, 'job system error'));
  await boss.start();
  return {
    boss,
    async handle(queue, handler) {
      await boss.createQueue(queue);
      if (options.work) await boss.work(queue, handler);
    },
    send: (queue, data) => boss.send(queue, data),
    async depths() {
      // getQueues() alone serves counts cached by pg-boss's monitor (every 60 s), which
      // are zero for a queue it has not counted yet; a forced read counts such a queue now.
      // pg-boss's own internal queues (__pgboss__…) are not the portal's work.
      const queues = (await boss.getQueues()).filter((q) => !q.name.startsWith('__pgboss__'));
      return Promise.all(
        queues.map(async (q) => {
          const [stats] = await boss.getQueueStats(q.name, { force: true });
          return {
            queue: q.name,
            queued: stats?.queuedCount ?? 0,
            active: stats?.activeCount ?? 0,
          };
        }),
      );
    },
    stop: (timeoutMs) => boss.stop({ graceful: true, timeout: timeoutMs }),
  };
}
