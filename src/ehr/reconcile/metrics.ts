// The EHR desk in Prometheus: open discrepancies per clinic, and changes for
// the EHR still waiting or given up. Read from the database when /metrics is
// scraped, so every instance answers the same figures.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { Gauge } from 'prom-client';
import type { Schema } from '../../platform/db/schema.ts';

export function installEhrDeskGauges(app: FastifyInstance, db: Kysely<Schema>) {
  new Gauge({
    name: 'ehr_open_discrepancies',
    help: 'Open discrepancies between the portal and the EHR, by clinic (slug)',
    labelNames: ['clinic'],
    registers: [app.metricsRegistry],
    async collect() {
      // A failed count must not take the other figures down with it: report none.
      const rows = await db
        .selectFrom('clinics as c')
        .leftJoin('discrepancies as d', (join) =>
          join.onRef('d.clinic_id', '=', 'c.id').on('d.status', '=', 'open'),
        )
        .select(['c.slug', (eb) => eb.fn.count<number>('d.id').as('n')])
        .groupBy('c.slug')
        .execute()
        .catch(() => []);
      this.reset();
      for (const r of rows) this.set({ clinic: r.slug }, Number(r.n));
    },
  });
  new Gauge({
    name: 'ehr_outbox_changes',
    help: 'Changes for the EHR not confirmed yet, by status (pending, sending, failed, dead)',
    labelNames: ['status'],
    registers: [app.metricsRegistry],
    async collect() {
      const rows = await db
        .selectFrom('ehr_outbox')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', 'in', ['pending', 'sending', 'failed', 'dead'])
        .groupBy('status')
        .execute()
        .catch(() => []);
      this.reset();
      for (const status of ['pending', 'sending', 'failed', 'dead'])
        this.set({ status }, Number(rows.find((r) => r.status === status)?.n ?? 0));
    },
  });
}
