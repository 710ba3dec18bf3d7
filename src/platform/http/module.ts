// What every feature module's routes receive.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { EhrGateway } from '../../ehr/gateway/gateway.ts';
import type { OpenTimesChanges } from '../db/open-times-changes.ts';
import type { Schema } from '../db/schema.ts';
import type { Jobs } from '../jobs/jobs.ts';

export interface ModuleDeps {
  db: Kysely<Schema>;
  config: Config;
  jobs?: Jobs;
  /** The EHR, for routes that ask it while the user waits (e.g. finding a patient to link). */
  ehr?: EhrGateway;
  /** Changes to which times are open, for keeping slot searches in memory. */
  openTimesChanges?: OpenTimesChanges;
}

export type ModuleRoutes = FastifyPluginAsyncTypebox<ModuleDeps>;
