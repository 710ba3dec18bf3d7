// The embedded and server drivers behave the same: same migrations, same
// constraints, same JavaScript values for the same column types.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationFiles, pendingMigrations } from '../src/platform/db/migrate.ts';
import { type TestDatabase, testDatabase } from './support/database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(() => database.close());

describe('migrations', () => {
  it('are all applied and a second run applies nothing', async () => {
    expect(await pendingMigrations(database)).toEqual([]);
    expect(await migrate(database)).toEqual([]);
    const rows = await database.db.selectFrom('schema_migrations').select('version').execute();
    expect(rows.map((r) => r.version)).toEqual(migrationFiles().map((m) => m.version));
  });

  it('refuse a database whose applied migration was edited', async () => {
    await database.db
      .updateTable('schema_migrations')
      .set({ checksum: 'edited' })
      .where('version', '=', '0001')
      .execute();
    await expect(migrate(database)).rejects.toThrow(/was edited after it was applied/);
    const real = migrationFiles()[0]?.checksum ?? '';
    await database.db.updateTable('schema_migrations').set({ checksum: real }).execute();
  });
});

describe('driver values', () => {
  it('are the same JavaScript types on both drivers', async () => {
    const { rows } = await sql<Record<string, unknown>>`
      select 42::int8 as big, 2.50::numeric(5,2) as money, '2024-03-10'::date as day,
             '2024-03-10T12:00:00Z'::timestamptz as at, '08:30'::time as opens,
             '{"a":[1,2]}'::jsonb as doc, true as yes, null::text as nothing`.execute(database.db);
    expect(rows[0]).toEqual({
      big: 42,
      money: '2.50',
      day: '2024-03-10',
      at: new Date('2024-03-10T12:00:00Z'),
      opens: '08:30:00',
      doc: { a: [1, 2] },
      yes: true,
      nothing: null,
    });
  });

  it('report affected rows for writes', async () => {
    const result = await database.db
      .updateTable('clinics')
      .set({ name: 'x' })
      .where('slug', '=', 'no-such-clinic')
      .executeTakeFirst();
    expect(result.numUpdatedRows).toBe(0n);
  });
});

describe('constraints', () => {
  it('reject opening hours that close before they open', async () => {
    const clinic = await database.db
      .insertInto('clinics')
      .values({
        slug: 'constraint-test',
        name: 'Constraint test',
        time_zone: 'America/Chicago',
        phone: '+1-555-0100',
        address_line1: '1 Main St',
        city: 'Town',
        state: 'IL',
        postal_code: '60000',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await expect(
      database.db
        .insertInto('clinic_hours')
        .values({ clinic_id: clinic.id, weekday: 1, opens: '17:00', closes: '08:00' })
        .execute(),
    ).rejects.toThrow(/check constraint/);
  });
});

describe('transactions', () => {
  it('do not see or disturb each other when run concurrently', async () => {
    // On the embedded database both share one connection: without the mutex
    // the reader would see the writer's uncommitted row.
    const writer = database.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('users')
        .values({ email: 'tx-test@example.org', display_name: 'Tx' })
        .execute();
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('roll back');
    });
    const reader = database.db
      .selectFrom('users')
      .where('email', '=', 'tx-test@example.org')
      .select('id')
      .execute();
    await expect(writer).rejects.toThrow('roll back');
    expect(await reader).toEqual([]);
    const after = await database.db
      .selectFrom('users')
      .where('email', '=', 'tx-test@example.org')
      .select('id')
      .execute();
    expect(after).toEqual([]);
  });
});
