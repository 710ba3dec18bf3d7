// The slot inventory: the EHR's providers (Schedules) and free Slots copied
// into the portal, so searching is a fast local query. A clinic is found in
// the EHR as the Location carrying its slug under CLINIC_SYSTEM; its
// Schedules are those whose actor is that Location. A full refresh reads the
// whole booking window (and notices slots the EHR no longer offers); a
// window refresh reads just what a patient is looking at, before they book.
import type { Schedule, Slot } from '@medplum/fhirtypes';
import { type Kysely, sql } from 'kysely';
import type { EhrGateway } from '../../ehr/gateway/gateway.ts';
import { CLINIC_SYSTEM } from '../../ehr/identifiers.ts';
import { displayName } from '../../ehr/sync/directory.ts';
import type { Schema } from '../../platform/db/schema.ts';

type Db = Kysely<Schema>;

/** How far ahead the inventory reaches (the longest max_days_ahead worth offering). */
export const INVENTORY_DAYS = 90;

export interface RefreshSummary {
  providers: number;
  slots: number;
  noLongerFree: number;
}

/** Providers and free slots of one clinic from `from` to `to`, as the EHR has them now. */
export async function refreshClinic(
  db: Db,
  gateway: EhrGateway,
  clinicId: string,
  window: { from: Date; to: Date; providerId?: string },
): Promise<RefreshSummary> {
  const clinic = await db
    .selectFrom('clinics')
    .select(['id', 'slug'])
    .where('id', '=', clinicId)
    .executeTakeFirstOrThrow();
  const schedules = await clinicSchedules(gateway, clinic.slug);
  const providers = await upsertProviders(db, clinic.id, schedules);
  const wanted = window.providerId
    ? providers.filter((p) => p.id === window.providerId)
    : providers;
  if (wanted.length === 0) return { providers: providers.length, slots: 0, noLongerFree: 0 };
  const seenAt = new Date();
  const slots = await gateway.freeSlots({
    schedule: wanted.map((p) => `Schedule/${p.ehr_schedule_id}`).join(','),
    start: [`ge${window.from.toISOString()}`, `lt${window.to.toISOString()}`],
    // Thousands of slots: large pages, far fewer round trips (servers may cap it lower).
    _count: '1000',
  });
  const written = await upsertSlots(db, clinic.id, wanted, slots, seenAt);
  // What the EHR did not offer as free in the window is not free any more.
  const gone = await db
    .updateTable('slots')
    .set({ free: false })
    .where(
      'provider_id',
      'in',
      wanted.map((p) => p.id),
    )
    .where('starts_at', '>=', window.from)
    .where('starts_at', '<', window.to)
    .where('free', '=', true)
    .where('seen_at', '<', seenAt)
    .executeTakeFirst();
  return {
    providers: providers.length,
    slots: written,
    noLongerFree: Number(gone.numUpdatedRows),
  };
}

/** Every clinic's whole booking window; returns totals. */
export async function refreshAll(
  db: Db,
  gateway: EhrGateway,
  now = new Date(),
): Promise<RefreshSummary> {
  const clinics = await db.selectFrom('clinics').select('id').execute();
  const total: RefreshSummary = { providers: 0, slots: 0, noLongerFree: 0 };
  const to = new Date(now.getTime() + INVENTORY_DAYS * 86_400_000);
  for (const c of clinics) {
    const r = await refreshClinic(db, gateway, c.id, { from: now, to });
    total.providers += r.providers;
    total.slots += r.slots;
    total.noLongerFree += r.noLongerFree;
  }
  return total;
}

async function clinicSchedules(gateway: EhrGateway, slug: string): Promise<Schedule[]> {
  const locations = await gateway.search('Location', {
    identifier: `${CLINIC_SYSTEM}|${slug}`,
  });
  const location = locations[0];
  if (!location?.id) return [];
  return gateway.schedules({ actor: `Location/${location.id}`, active: 'true' });
}

interface ProviderRow {
  id: string;
  ehr_schedule_id: string;
}

/** One provider per Schedule with a Practitioner actor; new ones offer every visit type of the clinic. */
async function upsertProviders(
  db: Db,
  clinicId: string,
  schedules: Schedule[],
): Promise<ProviderRow[]> {
  const rows = schedules.flatMap((s) => {
    const practitioner = s.actor.find((a) => a.reference?.startsWith('Practitioner/'));
    if (!s.id || !practitioner?.reference) return [];
    return [
      {
        clinic_id: clinicId,
        ehr_schedule_id: s.id,
        ehr_practitioner_id: practitioner.reference.slice('Practitioner/'.length),
        display_name: (practitioner.display ?? displayName(s as never) ?? 'Clinician').slice(
          0,
          200,
        ),
        active: s.active !== false,
      },
    ];
  });
  if (rows.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const written = await trx
      .insertInto('providers')
      .values(rows)
      .onConflict((oc) =>
        oc.column('ehr_schedule_id').doUpdateSet((eb) => ({
          ehr_practitioner_id: eb.ref('excluded.ehr_practitioner_id'),
          display_name: eb.ref('excluded.display_name'),
          active: eb.ref('excluded.active'),
          updated_at: sql<Date>`now()`,
        })),
      )
      .returning(['id', 'ehr_schedule_id', sql<boolean>`(xmax = 0)`.as('inserted')])
      .execute();
    const added = written.filter((w) => w.inserted).map((w) => w.id);
    if (added.length)
      await trx
        .insertInto('visit_type_providers')
        .columns(['visit_type_id', 'provider_id'])
        .expression((eb) =>
          eb
            .selectFrom('visit_types')
            .innerJoin('providers', 'providers.clinic_id', 'visit_types.clinic_id')
            .select(['visit_types.id', 'providers.id as provider_id'])
            .where('providers.id', 'in', added),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
    return written.filter((w) =>
      rows.some((r) => r.ehr_schedule_id === w.ehr_schedule_id && r.active),
    );
  });
}

async function upsertSlots(
  db: Db,
  clinicId: string,
  providers: ProviderRow[],
  slots: Slot[],
  seenAt: Date,
): Promise<number> {
  const bySchedule = new Map(providers.map((p) => [`Schedule/${p.ehr_schedule_id}`, p.id]));
  const rows = slots.flatMap((s) => {
    const providerId = bySchedule.get(s.schedule.reference ?? '');
    const start = new Date(s.start);
    const end = new Date(s.end);
    if (!s.id || !providerId || !(end > start)) return [];
    return [
      {
        clinic_id: clinicId,
        provider_id: providerId,
        ehr_slot_id: s.id,
        starts_at: start,
        ends_at: end,
        free: s.status === 'free',
        seen_at: seenAt,
      },
    ];
  });
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('slots')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) =>
        oc.column('ehr_slot_id').doUpdateSet((eb) => ({
          starts_at: eb.ref('excluded.starts_at'),
          ends_at: eb.ref('excluded.ends_at'),
          free: eb.ref('excluded.free'),
          seen_at: eb.ref('excluded.seen_at'),
        })),
      )
      .execute();
  return rows.length;
}

/** Marks one slot as the EHR says it is now (after the EHR refused a booking of it). */
export async function markSlotTaken(db: Db, slotId: number): Promise<void> {
  await db.updateTable('slots').set({ free: false }).where('id', '=', slotId).execute();
}
