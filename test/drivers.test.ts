// The same migration set gives the same schema and the same answers on the
// embedded database and on the PostgreSQL server. Needs both, so it runs
// where DATABASE_URL names a server (CI's second pass).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { btree_gist, citext, embedded, PGlite } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { seedDemo } from '../src/seed.ts';
import { serverUrl, type TestDatabase, testDatabase } from './support/database.ts';

const catalog = sql<Record<string, unknown>>`
  select table_name, column_name, data_type, is_nullable, column_default
  from information_schema.columns where table_schema = 'public'
  order by table_name, column_name`;

const constraints = sql<Record<string, unknown>>`
  select conrelid::regclass::text as table_name, contype, pg_get_constraintdef(oid) as definition
  from pg_constraint where connamespace = 'public'::regnamespace
    and contype <> 'n' -- PostgreSQL 18 also lists NOT NULL here; columns cover it
  order by 1, 2, 3`;

const indexes = sql<Record<string, unknown>>`
  select tablename, indexdef from pg_indexes where schemaname = 'public' order by 1, 2`;

describe.runIf(serverUrl)('embedded and server databases', () => {
  let server: TestDatabase;
  let local: ReturnType<typeof embedded>;
  beforeAll(async () => {
    server = await testDatabase();
    local = embedded(await PGlite.create({ extensions: { btree_gist, citext } }));
    await migrate(local);
    await seedDemo(server.db);
    await seedDemo(local.db);
  });
  afterAll(async () => {
    await server?.close();
    await local?.close();
  });

  it('have the same tables, columns, constraints and indexes', async () => {
    for (const query of [catalog, constraints, indexes]) {
      const [a, b] = await Promise.all([query.execute(local.db), query.execute(server.db)]);
      expect(a.rows.length).toBeGreaterThan(0);
      expect(a.rows).toEqual(b.rows);
    }
  });

  it('answer the same query with the same values', async () => {
    const query = (db: typeof local.db) =>
      db
        .selectFrom('clinics')
        .innerJoin('clinic_hours', 'clinic_hours.clinic_id', 'clinics.id')
        .select(['slug', 'time_zone', 'weekday', 'opens', 'closes'])
        .select(sql<number>`count(*) over (partition by slug)`.as('days'))
        .orderBy('slug')
        .orderBy('weekday')
        .execute();
    const [a, b] = await Promise.all([query(local.db), query(server.db)]);
    expect(a.length).toBeGreaterThan(0);
    expect(a).toEqual(b);
  });
});
