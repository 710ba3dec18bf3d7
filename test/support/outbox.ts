// The outbox as write-back tests drive it: a gateway to the test EHR that
// does not retry inside a call (so each failure is one outbox attempt), and
// a policy whose back-off is quick enough to drain in a test.

import type { Config } from '../../src/config.ts';
import { createGateway } from '../../src/ehr/gateway/fhir-client.ts';
import { DEFAULT_POLICY, type SendPolicy } from '../../src/ehr/outbox/worker.ts';
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
