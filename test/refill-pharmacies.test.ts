// The clinic's pharmacy directory, kept by its admin over HTTP: added,
// changed, made inactive (never deleted) and active again; an inactive
// pharmacy is neither offered to patients nor accepted in a request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createUser, signedInClient } from './support/factories.ts';
import { cacheMedication, dueMedication, refillPatient } from './support/refills.ts';

let t: TestApp;
const db = () => t.database.db;
let clinic: { id: string };
let other: { id: string };
let admin: { id: string; client: Client };
let otherAdmin: { id: string; client: Client };
let provider: { id: string; client: Client };

async function signedIn(
  role: 'clinic_admin' | 'provider' | 'system_admin',
  clinicId: string | null,
) {
  const user = await createUser(db(), t.config, { roles: [{ role, clinicId }] });
  return { id: user.id, client: await signedInClient(t, user) };
}

beforeAll(async () => {
  t = await testApp();
  clinic = await createClinic(db());
  other = await createClinic(db());
  admin = await signedIn('clinic_admin', clinic.id);
  otherAdmin = await signedIn('clinic_admin', other.id);
  provider = await signedIn('provider', clinic.id);
});
afterAll(() => t?.close());

const listUrl = (clinicId: string) => `/api/admin/pharmacies/${clinicId}`;
const itemUrl = (clinicId: string, id: string) => `/api/admin/pharmacies/${clinicId}/${id}`;
const lakefront = {
  name: 'Lakefront Pharmacy',
  address: '200 East Randolph Street, Chicago, IL 60601',
  phone: '+1-312-555-0142',
  ncpdpId: '1410002',
};

/** The admin's audit rows about pharmacies, without the noise. */
const pharmacyAudits = (actorId: string) =>
  db()
    .selectFrom('audit_events')
    .select(['action', 'resource_id', 'clinic_id', 'outcome', 'details'])
    .where('actor_user_id', '=', actorId)
    .where('resource_type', '=', 'Pharmacy')
    .execute();

describe('the pharmacy directory', () => {
  it('adds, lists, changes, deactivates and reactivates a pharmacy, audited', async () => {
    const added = await admin.client.post(listUrl(clinic.id), {
      ...lakefront,
      name: `  ${lakefront.name}  `,
    });
    expect(added.statusCode).toBe(201);
    const pharmacy = added.json();
    expect(pharmacy).toEqual({
      id: expect.any(String),
      clinicId: clinic.id,
      ...lakefront,
      active: true,
    });

    const list = await admin.client.get(listUrl(clinic.id));
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ clinicId: clinic.id, pharmacies: [pharmacy] });

    // A partial change keeps the other fields; null clears the NCPDP id.
    const changed = await admin.client.patch(itemUrl(clinic.id, pharmacy.id), {
      phone: '(312) 555-0143',
      ncpdpId: null,
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toEqual({ ...pharmacy, phone: '(312) 555-0143', ncpdpId: null });

    const off = await admin.client.patch(itemUrl(clinic.id, pharmacy.id), { active: false });
    expect(off.json()).toMatchObject({ id: pharmacy.id, active: false });
    // Inactive pharmacies stay in the admin's list.
    const after = (await admin.client.get(listUrl(clinic.id))).json();
    expect(after.pharmacies).toEqual([off.json()]);
    const on = await admin.client.patch(itemUrl(clinic.id, pharmacy.id), { active: true });
    expect(on.json().active).toBe(true);

    const audits = await pharmacyAudits(admin.id);
    expect(audits).toContainEqual(
      expect.objectContaining({ action: 'create', resource_id: pharmacy.id, clinic_id: clinic.id }),
    );
    expect(audits).toContainEqual(
      expect.objectContaining({ action: 'query', clinic_id: clinic.id }),
    );
    const updates = audits.filter((a) => a.action === 'update');
    expect(updates.map((a) => a.details)).toEqual([
      { fields: ['ncpdpId', 'phone'] },
      { fields: ['active'], active: false },
      { fields: ['active'], active: true },
    ]);
  });

  it('names each field that is not valid (400) and keeps nothing', async () => {
    const before = (await admin.client.get(listUrl(clinic.id))).json().pharmacies;
    const bad = await admin.client.post(listUrl(clinic.id), {
      name: '   ',
      phone: 'call us',
      ncpdpId: '12345',
      fax: '555',
    });
    expect(bad.statusCode).toBe(400);
    const fields = bad.json().error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'address', 'phone', 'ncpdpId', 'fax']));
    expect((await admin.client.get(listUrl(clinic.id))).json().pharmacies).toEqual(before);

    const [first] = before;
    const empty = await admin.client.patch(itemUrl(clinic.id, first.id), {});
    expect(empty.statusCode).toBe(400);
    const wrong = await admin.client.patch(itemUrl(clinic.id, first.id), {
      address: '',
      active: 'no',
      ncpdpId: '12345678',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details.map((d: { field: string }) => d.field)).toEqual(
      expect.arrayContaining(['address', 'active', 'ncpdpId']),
    );
    expect((await admin.client.get(listUrl(clinic.id))).json().pharmacies).toEqual(before);
  });

  it('refuses a second pharmacy with the same NCPDP id in one directory, naming the field', async () => {
    const first = await admin.client.post(listUrl(clinic.id), {
      ...lakefront,
      name: 'Loop Drugs',
      ncpdpId: '1410009',
    });
    expect(first.statusCode).toBe(201);
    const again = await admin.client.post(listUrl(clinic.id), {
      ...lakefront,
      name: 'Loop Drugs again',
      ncpdpId: '1410009',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.details).toEqual([expect.objectContaining({ field: 'ncpdpId' })]);
    // Another clinic keeps its own directory, where the same pharmacy may be listed.
    const elsewhere = await otherAdmin.client.post(listUrl(other.id), {
      ...lakefront,
      ncpdpId: '1410009',
    });
    expect(elsewhere.statusCode).toBe(201);
    // Saving a pharmacy with its own NCPDP id is no clash.
    const same = await admin.client.patch(itemUrl(clinic.id, first.json().id), {
      ncpdpId: '1410009',
    });
    expect(same.statusCode).toBe(200);
  });

  it('refuses another clinic admin (audited) and a provider; a system admin keeps any clinic', async () => {
    const mine = (await admin.client.get(listUrl(clinic.id))).json().pharmacies[0];
    const list = await otherAdmin.client.get(listUrl(clinic.id));
    expect(list.statusCode).toBe(404);
    const add = await otherAdmin.client.post(listUrl(clinic.id), lakefront);
    expect(add.statusCode).toBe(404);
    const change = await otherAdmin.client.patch(itemUrl(clinic.id, mine.id), { active: false });
    expect(change.statusCode).toBe(404);
    // Naming the pharmacy under their own clinic finds nothing either.
    const crossed = await otherAdmin.client.patch(itemUrl(other.id, mine.id), { active: false });
    expect(crossed.statusCode).toBe(404);
    expect((await admin.client.get(listUrl(clinic.id))).json().pharmacies[0]).toEqual(mine);

    const denied = (await pharmacyAudits(otherAdmin.id)).filter(
      (a) => a.action === 'access_denied',
    );
    expect(denied).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          clinic_id: clinic.id,
          outcome: 'failure',
          details: { attempted: 'query' },
        }),
        expect.objectContaining({ details: { attempted: 'create' } }),
        expect.objectContaining({ resource_id: mine.id, details: { attempted: 'update' } }),
      ]),
    );

    expect((await provider.client.get(listUrl(clinic.id))).statusCode).toBe(403);
    const system = await signedIn('system_admin', null);
    const added = await system.client.post(listUrl(other.id), { ...lakefront, ncpdpId: undefined });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ clinicId: other.id, ncpdpId: null, active: true });
  });
});

describe('what patients are offered', () => {
  it('an inactive pharmacy is neither listed for patients nor accepted in a request', async () => {
    const patient = await refillPatient(t, clinic.id);
    const med = await cacheMedication(db(), patient, dueMedication('Lisinopril 10 MG Oral Tablet'));
    const added = await admin.client.post(listUrl(clinic.id), {
      ...lakefront,
      name: 'Corner Pharmacy',
      ncpdpId: '1410055',
    });
    const pharmacy = added.json();
    const offered = async () =>
      (await patient.client.get(`/api/refills/pharmacies?clinicId=${clinic.id}`))
        .json()
        .pharmacies.map((p: { id: string }) => p.id);
    expect(await offered()).toContain(pharmacy.id);

    await admin.client.patch(itemUrl(clinic.id, pharmacy.id), { active: false });
    expect(await offered()).not.toContain(pharmacy.id);
    const refused = await patient.client.post('/api/refills', {
      clinicId: clinic.id,
      medicationIds: [med],
      pharmacyId: pharmacy.id,
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({
      code: 'validation_failed',
      details: [expect.objectContaining({ field: 'pharmacyId' })],
    });

    await admin.client.patch(itemUrl(clinic.id, pharmacy.id), { active: true });
    expect(await offered()).toContain(pharmacy.id);
    const sent = await patient.client.post('/api/refills', {
      clinicId: clinic.id,
      medicationIds: [med],
      pharmacyId: pharmacy.id,
    });
    expect(sent.statusCode).toBe(201);
    expect(sent.json().requests[0].pharmacy).toMatchObject({ id: pharmacy.id });
  });
});
