// The patient's own record, from the local copy of the EHR: medications,
// allergies, conditions, results, immunizations and visits. Patients (and
// caregivers acting for them) read their own; staff read a patient's at
// their clinics. Every read is audited in the transaction that reads it.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { lookupNames } from '../../ehr/sync/directory.ts';
import { cacheSyncedAt, isStale, refreshIfStale } from '../../ehr/sync/jobs.ts';
import { audit } from '../../platform/audit/audit.ts';
import { auditSource, currentPatientId } from '../../platform/auth/context.ts';
import { PATIENT_CARE_ROLES, requirePatient } from '../../platform/auth/scope.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleDeps, ModuleRoutes } from '../../platform/http/module.ts';
import { RECORD_KINDS, type RecordKind } from './kinds.ts';
import { referencesOf } from './map.ts';
import { PageQuery, RecordPage } from './model.ts';
import { cachedPage, RECORDS_PAGE_SIZE } from './store.ts';

const Uuid = Type.String({ format: 'uuid' });
const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

export const recordsRoutes: ModuleRoutes = async (app, deps) => {
  const { db } = deps;
  for (const kind of RECORD_KINDS) {
    const response = { 200: RecordPage(kind.item), ...errors };

    app.get(
      `/api/records/${kind.path}`,
      {
        config: { access: 'signed-in' },
        schema: { tags: ['records'], summary: kind.summary, querystring: PageQuery, response },
      },
      async (req) => {
        const auth = req.auth as NonNullable<typeof req.auth>;
        const current = currentPatientId(auth);
        if (!current)
          throw new ApiError(404, 'no_patient_record', 'This account has no patient record.');
        // A caregiver's grant may have ended since sign-in.
        const patientId = await requirePatient(db, req, current, {
          resourceType: kind.resourceType,
        });
        return readPage(deps, req, kind, patientId, (req.query as { page: number }).page);
      },
    );

    app.get(
      `/api/staff/patients/:patientId/records/${kind.path}`,
      {
        config: { access: { roles: PATIENT_CARE_ROLES } },
        schema: {
          tags: ['staff'],
          summary: `A patient's record. ${kind.summary}`,
          params: Type.Object({ patientId: Uuid }),
          querystring: PageQuery,
          response,
        },
      },
      async (req) => {
        const { patientId: asked } = req.params as { patientId: string };
        const patientId = await requirePatient(db, req, asked, {
          resourceType: kind.resourceType,
          action: 'view',
        });
        return readPage(deps, req, kind, patientId, (req.query as { page: number }).page);
      },
    );
  }
};

async function readPage(
  deps: ModuleDeps,
  req: FastifyRequest,
  kind: RecordKind,
  patientId: string,
  page: number,
) {
  const { db, config, jobs } = deps;
  const result = await db.transaction().execute(async (trx) => {
    const { rows, hasMore } = await cachedPage(trx, {
      patientId,
      resourceType: kind.resourceType,
      category: kind.category,
      activeFirst: kind.activeFirst,
      page,
    });
    const names = kind.usesNames
      ? await lookupNames(
          trx,
          rows.flatMap((r) => referencesOf(r.resource)),
        )
      : new Map<string, string>();
    const syncedAt = await cacheSyncedAt(trx, patientId);
    await audit(trx, auditSource(req), {
      action: 'view',
      resourceType: kind.resourceType,
      patientId,
      details: { list: kind.path, page, count: rows.length },
    });
    return {
      items: rows.map((row) => kind.toItem(row, names)),
      page,
      pageSize: RECORDS_PAGE_SIZE,
      hasMore,
      syncedAt: syncedAt?.toISOString() ?? null,
      stale: isStale(syncedAt, config),
    };
  });
  // After the commit: the page shows what the cache has now, the refresh follows.
  if (result.stale) await refreshIfStale(jobs, db, config, patientId, 'records');
  return result;
}
