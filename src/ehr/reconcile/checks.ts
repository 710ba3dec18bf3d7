// What a reconcile check is: it looks at one kind of portal state beside
// the EHR and reports what differs. The reconcile run (reconcile.ts) records
// the findings and clears open discrepancies that a check saw agree again.
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import type { EhrGateway } from '../gateway/gateway.ts';
import type { DiscrepancyType, Severity, SuggestedAction } from './tables.ts';

export interface ReconcileScope {
  clinicId?: string;
  patientId?: string;
}

export interface CheckContext {
  db: Kysely<Schema>;
  gateway: EhrGateway;
  scope: ReconcileScope;
}

export interface Finding {
  type: DiscrepancyType;
  clinicId: string;
  patientId: string | null;
  /** What it is about, unique per type, e.g. 'Patient/<portal id>' or 'Appointment/<portal id>'. */
  subjectKey: string;
  severity: Severity;
  /** Field → value as the portal has it, and as the EHR has it (same fields). */
  portalVersion: Record<string, unknown> | null;
  ehrVersion: Record<string, unknown> | null;
  /** 'Patient/123' in the EHR, and the versionId seen (If-Match when pushing back). */
  ehrReference?: string;
  ehrVersionId?: string;
  suggestedAction: SuggestedAction;
}

export interface CheckResult {
  /** Every subject compared successfully: open discrepancies of these not found again are cleared. */
  checked: string[];
  findings: Finding[];
  /** Subjects that could not be compared (EHR error, missing record), counted without detail. */
  errors: number;
}

export interface DiscrepancyCheck {
  type: DiscrepancyType;
  run(ctx: CheckContext): Promise<CheckResult>;
}

/** Runs `work` over `items`, `limit` at a time: the EHR is not asked everything at once. */
export async function inBatches<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += limit)
    await Promise.all(items.slice(i, i + limit).map(work));
}
