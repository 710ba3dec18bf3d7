// The refill settings page's rules, free of React so they are unit tested:
// which clinics an admin keeps, the forms' values and their checks (the
// limits are the server's: RefillRulesView in src/modules/refills/model.ts,
// the bodies in src/modules/refills/pharmacy-routes.ts), the bodies sent to
// the API, and server problems placed on the protocol row they name.
import type { PharmacyEntry, RefillRulesView } from '../../../src/modules/refills/model.ts';
import { REFILL_SETTINGS_ROLES, type RoleGrant } from '../auth/roles.ts';

export type { PharmacyEntry, RefillRulesView };

/** GET /api/admin/pharmacies/:clinicId */
export interface PharmacyDirectory {
  clinicId: string;
  pharmacies: PharmacyEntry[];
}

export const LIMITS = {
  earlyDays: { min: 0, max: 60 },
  targetBusinessDays: { min: 1, max: 20 },
  protocols: 200,
  protocolName: 200,
  pharmacyName: 200,
  address: 300,
  phone: { min: 3, max: 40 },
} as const;

const WHOLE = /^\d+$/;
const RXNORM = /^[0-9]{1,12}$/;
const NCPDP = /^[0-9]{7}$/;
const PHONE = /^[+(]?[0-9][0-9 ().-]{1,38}$/;

/** The clinics whose refill settings these grants keep: all for a group-wide grant, else those named. */
export function settingsClinics<C extends { id: string }>(
  grants: readonly RoleGrant[],
  clinics: C[],
): C[] {
  const mine = grants.filter((g) => REFILL_SETTINGS_ROLES.includes(g.role));
  if (mine.some((g) => g.clinicId === null)) return clinics;
  return clinics.filter((c) => mine.some((g) => g.clinicId === c.id));
}

/** One protocol row; `key` keeps React's rows apart while codes are typed. */
export interface ProtocolRow {
  key: number;
  rxnormCode: string;
  name: string;
}

/** What the rules form edits; numbers stay text until they are checked. */
export interface RulesForm {
  earlyDays: string;
  controlledOnline: boolean;
  targetBusinessDays: string;
  protocols: ProtocolRow[];
}

export const rulesFormOf = (v: RefillRulesView): RulesForm => ({
  earlyDays: String(v.earlyDays),
  controlledOnline: v.controlledOnline,
  targetBusinessDays: String(v.targetBusinessDays),
  protocols: v.protocols.map((p, key) => ({ key, ...p })),
});

/** A new empty row, keyed past every row there is. */
export function withRow(rows: ProtocolRow[]): ProtocolRow[] {
  const key = rows.reduce((max, r) => Math.max(max, r.key), -1) + 1;
  return [...rows, { key, rxnormCode: '', name: '' }];
}

export type ProtocolField = `protocols.${number}.${'rxnormCode' | 'name'}`;

/** A problem with one field, named so the page can say it in the reader's language. */
export type RulesProblem =
  | { field: 'earlyDays' | 'targetBusinessDays'; problem: 'range'; min: number; max: number }
  | { field: 'protocols'; problem: 'tooMany'; max: number }
  | { field: ProtocolField; problem: 'required' | 'rxnorm' | 'twice' | 'tooLong'; max?: number };

/** The rules form's problems, field by field, as the server would find them. */
export function rulesProblems(f: RulesForm): RulesProblem[] {
  const problems: RulesProblem[] = [];
  for (const field of ['earlyDays', 'targetBusinessDays'] as const) {
    const { min, max } = LIMITS[field];
    const text = f[field].trim();
    if (!WHOLE.test(text) || Number(text) < min || Number(text) > max)
      problems.push({ field, problem: 'range', min, max });
  }
  if (f.protocols.length > LIMITS.protocols)
    problems.push({ field: 'protocols', problem: 'tooMany', max: LIMITS.protocols });
  const seen = new Set<string>();
  f.protocols.forEach((row, i) => {
    const code = row.rxnormCode.trim();
    if (!code) problems.push({ field: `protocols.${i}.rxnormCode`, problem: 'required' });
    else if (!RXNORM.test(code))
      problems.push({ field: `protocols.${i}.rxnormCode`, problem: 'rxnorm' });
    else if (seen.has(code))
      problems.push({ field: `protocols.${i}.rxnormCode`, problem: 'twice' });
    seen.add(code);
    const name = row.name.trim();
    if (!name) problems.push({ field: `protocols.${i}.name`, problem: 'required' });
    else if (name.length > LIMITS.protocolName)
      problems.push({ field: `protocols.${i}.name`, problem: 'tooLong', max: LIMITS.protocolName });
  });
  return problems;
}

/** PUT /api/admin/refill-rules/:clinicId */
export const rulesBody = (f: RulesForm) => ({
  earlyDays: Number(f.earlyDays.trim()),
  controlledOnline: f.controlledOnline,
  targetBusinessDays: Number(f.targetBusinessDays.trim()),
  protocols: f.protocols.map((p) => ({ rxnormCode: p.rxnormCode.trim(), name: p.name.trim() })),
});

/** What the pharmacy form edits. */
export interface PharmacyForm {
  name: string;
  address: string;
  phone: string;
  ncpdpId: string;
}

export type PharmacyField = keyof PharmacyForm;
export const PHARMACY_FIELDS: PharmacyField[] = ['name', 'address', 'phone', 'ncpdpId'];

export const newPharmacyForm = (): PharmacyForm => ({
  name: '',
  address: '',
  phone: '',
  ncpdpId: '',
});

export const pharmacyFormOf = (p: PharmacyEntry): PharmacyForm => ({
  name: p.name,
  address: p.address,
  phone: p.phone,
  ncpdpId: p.ncpdpId ?? '',
});

export type PharmacyProblem =
  | { field: 'name' | 'address'; problem: 'required' | 'tooLong'; max?: number }
  | { field: 'phone'; problem: 'required' | 'phone' }
  | { field: 'ncpdpId'; problem: 'ncpdp' };

export function pharmacyProblems(f: PharmacyForm): PharmacyProblem[] {
  const problems: PharmacyProblem[] = [];
  for (const [field, max] of [
    ['name', LIMITS.pharmacyName],
    ['address', LIMITS.address],
  ] as const) {
    const text = f[field].trim();
    if (!text) problems.push({ field, problem: 'required' });
    else if (text.length > max) problems.push({ field, problem: 'tooLong', max });
  }
  const phone = f.phone.trim();
  if (!phone) problems.push({ field: 'phone', problem: 'required' });
  else if (!PHONE.test(phone) || phone.length < LIMITS.phone.min || phone.length > LIMITS.phone.max)
    problems.push({ field: 'phone', problem: 'phone' });
  const ncpdp = f.ncpdpId.trim();
  if (ncpdp && !NCPDP.test(ncpdp)) problems.push({ field: 'ncpdpId', problem: 'ncpdp' });
  return problems;
}

/** POST /api/admin/pharmacies/:clinicId, or PATCH …/:id with every field (a blank NCPDP id clears it). */
export const pharmacyBody = (f: PharmacyForm) => ({
  name: f.name.trim(),
  address: f.address.trim(),
  phone: f.phone.trim(),
  ncpdpId: f.ncpdpId.trim() || null,
});

/** Active ones first, each group by name, so the offered ones are read first. */
export const byActiveThenName = (pharmacies: PharmacyEntry[]): PharmacyEntry[] =>
  [...pharmacies].sort(
    (a, b) => Number(b.active) - Number(a.active) || a.name.localeCompare(b.name),
  );

/**
 * A server validation's field problems placed on the form's own fields, full
 * path kept (protocols.3.name stays on row 3); the rest are left for the summary.
 */
export function placedProblems(
  details: unknown,
  known: (field: string) => boolean,
): { placed: { field: string; message: string }[]; unplaced: boolean } {
  const list = Array.isArray(details) ? details : [];
  const placed: { field: string; message: string }[] = [];
  let unplaced = list.length === 0;
  for (const d of list) {
    const field = typeof d?.field === 'string' ? d.field.replace(/^body\./, '') : null;
    if (field && typeof d.message === 'string' && known(field)) {
      if (!placed.some((p) => p.field === field)) placed.push({ field, message: d.message });
    } else unplaced = true;
  }
  return { placed, unplaced };
}
