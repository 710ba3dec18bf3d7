// Quick replies: the clinic's templates, in English and Spanish, written by
// its clinic admin (every change audited) and used by everyone on its inbox.
// Placeholders are filled on the server, for one thread, by
// GET /api/staff/messages/threads/:id/templates/:templateId: the patient's
// first name, the clinic's name and the staff member's, in the patient's
// language unless the caller asks for the other.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { audit } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleDeps, ModuleRoutes } from '../../platform/http/module.ts';
import { languageOf } from '../../platform/mail/mail.ts';
import type { Role } from '../accounts/tables.ts';
import { INBOX_ROLES, RESOURCE, requireInboxClinic, requireThread, rolesAt } from './inbox.ts';
import {
  FilledTemplate,
  Template,
  TemplateBody,
  TemplatePatch,
  type Template as TemplateView,
  Uuid,
} from './model.ts';

const TEMPLATE = 'MessageTemplate';
const ADMIN: readonly Role[] = ['clinic_admin'];
const tags = ['messages (staff)'];
const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

type Row = { id: string; clinic_id: string; name: string; body_en: string; body_es: string };
const view = (r: Row): TemplateView => ({
  id: r.id,
  clinicId: r.clinic_id,
  name: r.name,
  body: { en: r.body_en, es: r.body_es },
});

/** Fills the placeholders it knows; any other `{{…}}` is left for the writer to see. */
export function fillTemplate(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) =>
    Object.hasOwn(values, key) ? (values[key] as string) : whole,
  );
}

const nameTaken = (err: unknown) => {
  const e = err as { code?: string; constraint?: string; message?: string };
  return e.code === '23505' && `${e.constraint ?? e.message}`.includes('message_templates');
};
const takenError = () =>
  new ApiError(409, 'duplicate_name', 'This clinic already has a template with that name.', [
    { field: 'name', message: 'is already used at this clinic' },
  ]);

/** The template, when the caller is clinic admin at its clinic; else an audited 404. */
async function requireOwnTemplate(
  deps: ModuleDeps,
  req: FastifyRequest,
  id: string,
  attempted: string,
) {
  const row = await deps.db
    .selectFrom('message_templates')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (row && rolesAt(req, row.clinic_id).includes('clinic_admin')) return row;
  await audit(deps.db, auditSource(req), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType: TEMPLATE,
    resourceId: id,
    clinicId: row?.clinic_id ?? null,
    details: { attempted },
  });
  throw new ApiError(404, 'not_found', 'That template was not found.');
}

export const messageTemplateRoutes: ModuleRoutes = async (app, deps) => {
  const { db } = deps;

  const audited = (
    req: FastifyRequest,
    trx: ModuleDeps['db'],
    action: 'create' | 'update' | 'delete',
    r: Row,
  ) =>
    audit(trx, auditSource(req), {
      action,
      resourceType: TEMPLATE,
      resourceId: r.id,
      clinicId: r.clinic_id,
      details: { name: r.name },
    });

  app.get(
    '/api/staff/messages/templates',
    {
      config: { access: { roles: INBOX_ROLES } },
      schema: {
        tags,
        summary: "The clinic's quick-reply templates",
        querystring: Type.Object({ clinicId: Uuid }, { additionalProperties: false }),
        response: { 200: Type.Array(Template), ...errors },
      },
    },
    async (req) => {
      const { clinicId } = req.query as { clinicId: string };
      const clinic = await requireInboxClinic(deps, req, clinicId, 'query');
      const rows = await db
        .selectFrom('message_templates')
        .selectAll()
        .where('clinic_id', '=', clinic.id)
        .orderBy('name')
        .execute();
      return rows.map(view);
    },
  );

  app.post(
    '/api/staff/messages/templates',
    {
      config: { access: { roles: ADMIN } },
      schema: {
        tags,
        summary: 'Add a template (clinic admin)',
        body: TemplateBody,
        response: { 201: Template, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body as { clinicId: string; name: string; body: { en: string; es: string } };
      const clinic = await requireInboxClinic(deps, req, body.clinicId, 'create', ADMIN);
      try {
        const row = await db.transaction().execute(async (trx) => {
          const r = await trx
            .insertInto('message_templates')
            .values({
              clinic_id: clinic.id,
              name: body.name.trim(),
              body_en: body.body.en,
              body_es: body.body.es,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          await audited(req, trx, 'create', r);
          return r;
        });
        return reply.status(201).send(view(row));
      } catch (err) {
        if (nameTaken(err)) throw takenError();
        throw err;
      }
    },
  );

  app.patch(
    '/api/staff/messages/templates/:id',
    {
      config: { access: { roles: ADMIN } },
      schema: {
        tags,
        summary: "Change a template's name or text (clinic admin)",
        params: IdParams,
        body: TemplatePatch,
        response: { 200: Template, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const body = req.body as { name?: string; body?: { en: string; es: string } };
      await requireOwnTemplate(deps, req, id, 'update');
      try {
        return view(
          await db.transaction().execute(async (trx) => {
            const r = await trx
              .updateTable('message_templates')
              .set({
                ...(body.name ? { name: body.name.trim() } : {}),
                ...(body.body ? { body_en: body.body.en, body_es: body.body.es } : {}),
              })
              .where('id', '=', id)
              .returningAll()
              .executeTakeFirstOrThrow();
            await audited(req, trx, 'update', r);
            return r;
          }),
        );
      } catch (err) {
        if (nameTaken(err)) throw takenError();
        throw err;
      }
    },
  );

  app.delete(
    '/api/staff/messages/templates/:id',
    {
      config: { access: { roles: ADMIN } },
      schema: {
        tags,
        summary: 'Remove a template (clinic admin)',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const row = await requireOwnTemplate(deps, req, id, 'delete');
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('message_templates').where('id', '=', id).execute();
        await audited(req, trx, 'delete', row);
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/staff/messages/threads/:id/templates/:templateId',
    {
      config: { access: { roles: INBOX_ROLES } },
      schema: {
        tags,
        summary:
          "A template filled for this conversation: the patient's first name, the clinic, and you",
        params: Type.Object({ id: Uuid, templateId: Uuid }, { additionalProperties: false }),
        querystring: Type.Object(
          { language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('es')])) },
          { additionalProperties: false },
        ),
        response: { 200: FilledTemplate, ...errors },
      },
    },
    async (req) => {
      const { id, templateId } = req.params as { id: string; templateId: string };
      const t = await requireThread(deps, req, id, 'view');
      const template = await db
        .selectFrom('message_templates')
        .selectAll()
        .where('id', '=', templateId)
        .where('clinic_id', '=', t.clinicId)
        .executeTakeFirst();
      if (!template)
        throw new ApiError(404, 'not_found', 'That template was not found at this clinic.');
      const language =
        (req.query as { language?: 'en' | 'es' }).language ??
        (await languageOf(db, { patientId: t.patientId }));
      return db.transaction().execute(async (trx) => {
        const facts = await trx
          .selectFrom('patients as p')
          .innerJoin('clinics as c', (j) => j.on('c.id', '=', t.clinicId))
          .select(['p.given_name', 'c.name as clinic_name'])
          .where('p.id', '=', t.patientId)
          .executeTakeFirstOrThrow();
        const body = fillTemplate(language === 'es' ? template.body_es : template.body_en, {
          patientFirstName: facts.given_name,
          clinicName: facts.clinic_name,
          staffName: (req.auth as Auth).user.displayName,
        });
        // The answer holds the patient's name: a read of their record.
        await audit(trx, auditSource(req), {
          action: 'view',
          resourceType: RESOURCE,
          resourceId: t.id,
          patientId: t.patientId,
          clinicId: t.clinicId,
          details: { template: template.id },
        });
        return { body };
      });
    },
  );
};
