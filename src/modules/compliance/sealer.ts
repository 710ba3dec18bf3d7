// Runs the audit sealer in the background: every few seconds it chains the
// events committed since the last pass. One pass at a time; stop() waits
// for a running pass and seals once more, so shutdown leaves nothing behind.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { sealAudit } from '../../platform/audit/chain.ts';
import type { Schema } from '../../platform/db/schema.ts';

export interface Sealer {
  stop(): Promise<void>;
}

export function startSealer(db: Kysely<Schema>, logger: Logger, everyMs = 5000): Sealer {
  let running: Promise<void> = Promise.resolve();
  const pass = () => {
    running = running.then(async () => {
      try {
        const sealed = await sealAudit(db);
        if (sealed) logger.debug({ sealed }, 'audit events sealed');
      } catch (err) {
        logger.error({ err }, 'sealing the audit trail failed; will retry');
      }
    });
    return running;
  };
  const timer = setInterval(pass, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await pass();
    },
  };
}
