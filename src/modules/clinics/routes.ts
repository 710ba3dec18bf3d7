import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { Clinic } from './model.ts';
import { listClinics } from './store.ts';

export const clinicRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Schema> }> = async (app, { db }) => {
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
};
