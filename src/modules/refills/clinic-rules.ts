// A clinic's refill rules: its own row, or the defaults (as the columns'
// defaults in 0011_refills.sql).
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';

export interface ClinicRefillRules {
  /** Days before the last fill runs out that a refill may be asked for. */
  earlyDays: number;
  /** Schedules III–V may be asked for online (schedule II never). */
  controlledOnline: boolean;
  targetBusinessDays: number;
}

export const DEFAULT_REFILL_RULES: ClinicRefillRules = {
  earlyDays: 7,
  controlledOnline: true,
  targetBusinessDays: 2,
};

export async function clinicRefillRules(
  db: Kysely<Schema>,
  clinicId: string,
): Promise<ClinicRefillRules> {
  const row = await db
    .selectFrom('refill_rules')
    .select(['early_days', 'controlled_online', 'target_business_days'])
    .where('clinic_id', '=', clinicId)
    .executeTakeFirst();
  if (!row) return DEFAULT_REFILL_RULES;
  return {
    earlyDays: row.early_days,
    controlledOnline: row.controlled_online,
    targetBusinessDays: row.target_business_days,
  };
}

/** Whether a nurse may approve this medication at the clinic (its protocol names it). */
export async function nurseMayApprove(
  db: Kysely<Schema>,
  clinicId: string,
  rxnormCode: string | null,
): Promise<boolean> {
  if (!rxnormCode) return false;
  const row = await db
    .selectFrom('refill_protocols')
    .select('rxnorm_code')
    .where('clinic_id', '=', clinicId)
    .where('rxnorm_code', '=', rxnormCode)
    .executeTakeFirst();
  return row !== undefined;
}
