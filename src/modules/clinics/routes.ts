import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { Schema } from '../../platform/db/schema.ts';
import { notFound } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import { Clinic, SLUG } from './model.ts';
import { listClinics } from './store.ts';

export const clinicRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Schema> }> = async (
  app,
  { db },
) => {
  app.get(
    '/api/clinics',
    {
      config: { access: 'public' },
      schema: {
        tags: ['clinics'],
        summary: 'The clinics of the group, with address, phone, time zone and opening hours',
        response: { 200: Type.Object({ clinics: Type.Array(Clinic) }) },
      },
    },
    async () => ({ clinics: await listClinics(db) }),
  );

  app.get(
    '/api/clinics/:slug',
    {
      config: { access: 'public' },
      schema: {
        tags: ['clinics'],
        summary: 'One clinic, by its short name (e.g. riverside)',
        params: Type.Object({ slug: Type.String({ pattern: SLUG, maxLength: 40 }) }),
        response: { 200: Type.Object({ clinic: Clinic }), 404: ErrorResponse },
      },
    },
    async (req) => {
      const clinic = (await listClinics(db)).find((c) => c.slug === req.params.slug);
      if (!clinic) throw notFound('That clinic');
      return { clinic };
    },
  );
};
