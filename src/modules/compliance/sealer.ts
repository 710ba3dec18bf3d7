// Runs the audit sealer in the background: every few seconds it chains the
// events committed since the last pass. One pass at a time; stop() waits
// for a running pass and seals once more, so shutdown leaves nothing behind.
//
// The chain's head is logged (info, "audit chain head") on the first pass
// and whenever it moves: the operator's log archive then holds every head,
// and `portal audit verify --expect-head <seq>:<hash>` proves that nothing
// sealed was deleted from the end since.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { formatHead, sealAudit } from '../../platform/audit/chain.ts';
import type { Schema } from '../../platform/db/schema.ts';

export interface Sealer {
  stop(): Promise<void>;
}

export function startSealer(
  db: Kysely<Schema>,
  logger: Logger,
  /** auditChainKey(config.encryptionKey) */
  key: Buffer,
  everyMs = 5000,
): Sealer {
  let running: Promise<void> = Promise.resolve();
  let anchored = false;
  const pass = () => {
    running = running.then(async () => {
      try {
        const { sealed, head, restored } = await sealAudit(db, key);
        if (restored)
          logger.warn(
            { era: head?.era },
            'transaction ids restarted below the sealed audit head (restored into a new cluster?); sealing continues in a new era',
          );
        if (head && (sealed > 0 || !anchored)) {
          anchored = true;
          logger.info(
            { sealed, seq: head.seq, hash: head.hash, era: head.era, head: formatHead(head) },
            'audit chain head',
          );
        }
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
