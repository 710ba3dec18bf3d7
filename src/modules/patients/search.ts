// Staff search for patients registered at their clinics: by name
// ("family, given", "given family" or one name, each a prefix, any case),
// by MRN, or by birth date.
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { accountState, patientAccounts } from './accounts.ts';
import type { PatientSummary } from './model.ts';

export const PAGE_SIZE = 20;

type Db = Kysely<Schema>;
type Eb = ExpressionBuilder<Schema & { p: Schema['patients'] }, 'p'>;

export type SearchTerm =
  | { kind: 'birthDate'; date: string }
  | { kind: 'name'; first: string; rest: string | null; commaSeparated: boolean };

/** What the search text means; null when it holds too little to search by. */
export function parseQuery(q: string): SearchTerm | null {
  const text = q.trim().replace(/\s+/g, ' ');
  if (/^\d{4}-\d{2}-\d{2}$/.test(text))
    return realDate(text) ? { kind: 'birthDate', date: text } : null;
  const comma = text.indexOf(',');
  const [first = '', rest = ''] =
    comma >= 0
      ? [
          text.slice(0, comma).trim(),
          text
            .slice(comma + 1)
            .replace(/,/g, ' ')
            .trim(),
        ]
      : [text.split(' ')[0], text.split(' ').slice(1).join(' ')];
  // "Smith," searches the family name; ", Jo" alone is too little to go on.
  if (first.length === 0 || first.length + rest.length < 2) return null;
  return { kind: 'name', first, rest: rest || null, commaSeparated: comma >= 0 };
}

const realDate = (day: string) => {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
};

/** A LIKE pattern matching values that start with `text`, any case. */
export const prefixPattern = (text: string) =>
  `${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const startsWith = (column: 'p.given_name' | 'p.family_name', text: string) =>
  sql<boolean>`lower(${sql.ref(column)}) like ${prefixPattern(text)}`;

function matches(eb: Eb, term: SearchTerm, clinics: string[] | 'all') {
  if (term.kind === 'birthDate') return eb('p.birth_date', '=', term.date);
  const { first, rest } = term;
  if (term.commaSeparated)
    return eb.and([
      startsWith('p.family_name', first),
      ...(rest ? [startsWith('p.given_name', rest)] : []),
    ]);
  if (!rest)
    return eb.or([
      startsWith('p.family_name', first),
      startsWith('p.given_name', first),
      eb.exists(
        eb
          .selectFrom('patient_clinics as m')
          .select('m.patient_id')
          .whereRef('m.patient_id', '=', 'p.id')
          .where(sql<boolean>`lower(m.mrn) = ${first.toLowerCase()}`)
          .$if(clinics !== 'all', (s) => s.where('m.clinic_id', 'in', clinics as string[])),
      ),
    ]);
  // "given family", or the other way round when that is what was typed.
  return eb.or([
    eb.and([startsWith('p.given_name', first), startsWith('p.family_name', rest)]),
    eb.and([startsWith('p.family_name', first), startsWith('p.given_name', rest)]),
  ]);
}

export interface SearchInput {
  q: string;
  /** Clinics to search: the staff member's, narrowed to one when asked. */
  clinics: string[] | 'all';
  page: number;
}

export async function searchPatients(db: Db, input: SearchInput) {
  const term = parseQuery(input.q);
  if (!term)
    throw new ApiError(
      400,
      'unsearchable_query',
      'Search by at least two letters of a name, an MRN, or a real birth date as YYYY-MM-DD.',
    );
  const { clinics } = input;
  const base = db.selectFrom('patients as p').where((eb) =>
    eb.and([
      matches(eb, term, clinics),
      eb.exists(
        eb
          .selectFrom('patient_clinics as r')
          .select('r.patient_id')
          .whereRef('r.patient_id', '=', 'p.id')
          .$if(clinics !== 'all', (s) => s.where('r.clinic_id', 'in', clinics as string[])),
      ),
    ]),
  );
  const { total } = await base
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  const rows = await base
    .select(['p.id', 'p.given_name', 'p.family_name', 'p.birth_date'])
    .orderBy(sql`lower(p.family_name)`)
    .orderBy(sql`lower(p.given_name)`)
    .orderBy('p.birth_date')
    .orderBy('p.id')
    .limit(PAGE_SIZE)
    .offset((input.page - 1) * PAGE_SIZE)
    .execute();
  const ids = rows.map((r) => r.id);
  const [registrations, accounts] = await Promise.all([
    registrationsOf(db, ids, clinics),
    patientAccounts(db, ids),
  ]);
  const patients: PatientSummary[] = rows.map((r) => ({
    id: r.id,
    name: { given: r.given_name, family: r.family_name },
    birthDate: r.birth_date,
    clinics: registrations.get(r.id) ?? [],
    accountState: accountState(
      accounts.get(r.id) ?? {
        patientId: r.id,
        userId: null,
        email: null,
        status: null,
        lockedUntil: null,
        mfaEnabled: false,
        codeExpiresAt: null,
      },
    ),
  }));
  return { patients, total: Number(total), page: input.page, pageSize: PAGE_SIZE };
}

/** Each patient's registrations, at the given clinics only (minimum necessary). */
export async function registrationsOf(db: Db, patientIds: string[], clinics: string[] | 'all') {
  const out = new Map<string, { clinicId: string; clinicName: string; mrn: string }[]>();
  if (patientIds.length === 0 || (clinics !== 'all' && clinics.length === 0)) return out;
  const rows = await db
    .selectFrom('patient_clinics as r')
    .innerJoin('clinics as c', 'c.id', 'r.clinic_id')
    .select(['r.patient_id', 'r.clinic_id', 'c.name', 'r.mrn'])
    .where('r.patient_id', 'in', patientIds)
    .$if(clinics !== 'all', (s) => s.where('r.clinic_id', 'in', clinics as string[]))
    .orderBy('c.name')
    .execute();
  for (const r of rows) {
    const list = out.get(r.patient_id) ?? [];
    list.push({ clinicId: r.clinic_id, clinicName: r.name, mrn: r.mrn });
    out.set(r.patient_id, list);
  }
  return out;
}
