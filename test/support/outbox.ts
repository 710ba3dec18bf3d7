// The outbox as write-back tests drive it: a gateway to the test EHR that
// does not retry inside a call (so each failure is one outbox attempt), and
// a policy whose back-off is quick enough to drain in a test.

import type { Kysely } from 'kysely';
import type { Config } from '../../src/config.ts';
import { createGateway } from '../../src/ehr/gateway/fhir-client.ts';
import type { EhrGateway } from '../../src/ehr/gateway/gateway.ts';
import { WAITING } from '../../src/ehr/outbox/outbox.ts';
import { DEFAULT_POLICY, drainOutbox, type SendPolicy } from '../../src/ehr/outbox/worker.ts';
import type { Schema } from '../../src/platform/db/schema.ts';
import type { FhirServer } from './fhir-server.ts';

export const outboxGateway = (ehr: FhirServer, timeoutMs = 5_000) =>
  createGateway(
    { baseUrl: ehr.baseUrl, auth: { kind: 'none' }, timeoutMs },
    { retry: { maxAttempts: 1 } },
  );

export const quickPolicy = (config: Config): SendPolicy => ({
  ...DEFAULT_POLICY,
  baseDelayMs: 5,
  maxDelayMs: 20,
  maxAttempts: 30,
  publicUrl: config.publicUrl,
  config,
});

/** Works the outbox until nothing of the clinic is on its way any more (failed tries wait milliseconds). */
export async function settleOutbox(
  db: Kysely<Schema>,
  clinicId: string,
  gateway: EhrGateway,
  policy: SendPolicy,
): Promise<void> {
  for (let round = 0; round < 200; round++) {
    await drainOutbox(db, gateway, policy);
    const waiting = await db
      .selectFrom('ehr_outbox')
      .select('id')
      .where('clinic_id', '=', clinicId)
      .where('status', 'in', WAITING)
      .execute();
    if (waiting.length === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('The outbox did not settle');
}
