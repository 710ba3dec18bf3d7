// Attachments over the API: the patient's and the staff's uploads (the file
// itself as the body, refused past 10 MB before it is read), downloads for
// the people in the thread, or the uploader while it is unsent, and the
// uploader taking back an unsent file. Every download, removal and refusal
// is audited; a refusal looks like nothing there.
import type { FastifyError, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { audit } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { refuseAccess, sessionPatient } from '../../platform/auth/scope.ts';
import { openBytes, openText } from '../../platform/crypto/envelope.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleDeps, ModuleRoutes } from '../../platform/http/module.ts';
import { storeAttachment } from './attachments.ts';
import { holdsThread, INBOX_ROLES, rolesAt, worksPool } from './inbox.ts';
import { AttachmentView, Uuid } from './model.ts';
import { MAX_ATTACHMENT_BYTES } from './tables.ts';

const RESOURCE = 'Binary';
const TOO_LARGE =
  'This file is larger than 10 MB. Attach a smaller file, or a photo at a lower size.';
const errors = {
  400: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  413: ErrorResponse,
  415: ErrorResponse,
  422: ErrorResponse,
};

const uploadSchema = {
  tags: ['messaging'],
  headers: Type.Object({
    'x-file-name': Type.Optional(
      Type.String({ maxLength: 1000, description: 'The file name, URI-encoded' }),
    ),
  }),
  body: {
    content: {
      'application/octet-stream': {
        schema: Type.Unsafe<Buffer>({ description: 'The file itself, at most 10 MB' }),
      },
    },
  },
  response: { 201: AttachmentView, ...errors },
};

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

const removeSchema = {
  tags: ['messaging'],
  params: IdParams,
  response: { 204: Type.Null(), ...errors },
};

const downloadSchema = {
  tags: ['messaging'],
  params: Type.Object({ id: Uuid }),
  response: {
    200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The file' }),
    ...errors,
  },
};

/** A declared size over the limit is refused before any of the body is read. */
async function refuseDeclaredTooLarge(req: FastifyRequest) {
  if (Number(req.headers['content-length']) > MAX_ATTACHMENT_BYTES)
    throw new ApiError(413, 'too_large', TOO_LARGE);
}

const RAW_ONLY =
  'Send the file itself as the request body, with Content-Type application/octet-stream.';

function theFile(req: FastifyRequest): Buffer {
  if (Buffer.isBuffer(req.body) && req.body.length > 0) return req.body;
  if (req.body !== undefined && !Buffer.isBuffer(req.body))
    throw new ApiError(415, 'unsupported_media_type', RAW_ONLY);
  throw new ApiError(400, 'file_required', RAW_ONLY);
}

export const attachmentRoutes: ModuleRoutes = async (app, deps) => {
  const { db, config } = deps;

  // Raw files only here; the rest of the API takes JSON of at most 1 MB.
  app.addContentTypeParser(
    'application/octet-stream',
    { parseAs: 'buffer', bodyLimit: MAX_ATTACHMENT_BYTES },
    (_req, body, done) => done(null, body),
  );
  // Fastify's own refusals of a body, said so a person can act on them;
  // everything else goes on to the app's error handler.
  app.setErrorHandler((err: FastifyError) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw new ApiError(413, 'too_large', TOO_LARGE);
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      throw new ApiError(415, 'unsupported_media_type', RAW_ONLY);
    throw err;
  });

  async function upload(req: FastifyRequest, patientId: string) {
    const bytes = theFile(req);
    const user = (req.auth as Auth).user;
    return db.transaction().execute(async (trx) => {
      const view = await storeAttachment(trx, config, {
        patientId,
        uploadedBy: user.id,
        fileName: req.headers['x-file-name'] as string | undefined,
        bytes,
      });
      await audit(trx, auditSource(req), {
        action: 'create',
        resourceType: RESOURCE,
        resourceId: view.id,
        patientId,
        details: { mediaType: view.mediaType, sizeBytes: view.sizeBytes },
      });
      return view;
    });
  }

  app.post(
    '/api/messages/attachments',
    {
      config: { access: 'signed-in' },
      onRequest: refuseDeclaredTooLarge,
      schema: {
        ...uploadSchema,
        summary: 'Uploads a file (PDF, JPEG, PNG or HEIC, at most 10 MB) to send with a message',
      },
    },
    async (req, reply) => {
      const patientId = await sessionPatient(deps.db, req, RESOURCE);
      reply.code(201);
      return upload(req, patientId);
    },
  );

  app.post(
    '/api/staff/messages/attachments',
    {
      config: { access: { roles: INBOX_ROLES } },
      onRequest: refuseDeclaredTooLarge,
      schema: {
        ...uploadSchema,
        summary: 'Uploads a file for a message to a patient of one of your clinics',
        querystring: Type.Object({ patientId: Uuid }, { additionalProperties: false }),
      },
    },
    async (req, reply) => {
      const { patientId } = req.query as { patientId: string };
      await requireStaffPatient(deps, req, patientId);
      reply.code(201);
      return upload(req, patientId);
    },
  );

  async function download(req: FastifyRequest, staff: boolean) {
    const { id } = req.params as { id: string };
    const found = await findAttachment(deps, id);
    const current = staff ? null : await sessionPatient(deps.db, req, RESOURCE);
    const reached =
      found && (staff ? staffReaches(req, found) : patientReaches(req, found, current));
    if (!found || !reached)
      return refuse(deps, req, {
        resourceId: id,
        patientId: found?.patient_id ?? null,
        clinicId: found?.clinic_id ?? null,
      });
    return db.transaction().execute(async (trx) => {
      await audit(trx, auditSource(req), {
        action: 'export',
        resourceType: RESOURCE,
        resourceId: id,
        patientId: found.patient_id,
        clinicId: found.clinic_id,
        details: { mediaType: found.media_type, sizeBytes: found.size_bytes },
      });
      // The bytes (up to 10 MB) are read only once the caller is known to reach them.
      const { content } = await trx
        .selectFrom('message_attachments')
        .select('content')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return {
        type: found.media_type,
        name: await openText(trx, config, found.file_name, found.key_id),
        bytes: await openBytes(trx, config, content, found.key_id),
      };
    });
  }

  for (const [url, staff] of [
    ['/api/messages/attachments/:id', false],
    ['/api/staff/messages/attachments/:id', true],
  ] as const)
    app.get(
      url,
      {
        config: { access: staff ? { roles: INBOX_ROLES } : 'signed-in' },
        schema: { ...downloadSchema, summary: 'Downloads an attached file' },
      },
      async (req, reply) => {
        const file = await download(req, staff);
        return reply
          .type(file.type)
          .header('content-disposition', contentDisposition(file.name))
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'no-store')
          .send(file.bytes);
      },
    );

  /** The uploader takes back a file not sent yet; anything else is refused like nothing there. */
  async function remove(req: FastifyRequest, staff: boolean) {
    const { id } = req.params as { id: string };
    const found = await findAttachment(deps, id);
    const current = staff ? null : await sessionPatient(deps.db, req, RESOURCE);
    const own = found && ownUnsent(req, found) && (staff || found.patient_id === current);
    if (!found || !own)
      return refuse(deps, req, {
        resourceId: id,
        patientId: found?.patient_id ?? current,
        clinicId: found?.clinic_id ?? null,
      });
    await db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('message_attachments')
        .where('id', '=', id)
        .where('message_id', 'is', null)
        .execute();
      await audit(trx, auditSource(req), {
        action: 'delete',
        resourceType: RESOURCE,
        resourceId: id,
        patientId: found.patient_id,
        details: { mediaType: found.media_type, sizeBytes: found.size_bytes },
      });
    });
  }

  for (const [url, staff] of [
    ['/api/messages/attachments/:id', false],
    ['/api/staff/messages/attachments/:id', true],
  ] as const)
    app.delete(
      url,
      {
        config: { access: staff ? { roles: INBOX_ROLES } : 'signed-in' },
        schema: { ...removeSchema, summary: 'Removes a file you uploaded and have not sent' },
      },
      async (req, reply) => {
        await remove(req, staff);
        return reply.status(204).send(null);
      },
    );
};

type Found = NonNullable<Awaited<ReturnType<typeof findAttachment>>>;

/** The attachment's facts (not its bytes) with its thread's clinic and pool, when it was sent. */
function findAttachment(deps: ModuleDeps, id: string) {
  return deps.db
    .selectFrom('message_attachments as a')
    .leftJoin('messages as m', 'm.id', 'a.message_id')
    .leftJoin('message_threads as t', 't.id', 'a.thread_id')
    .leftJoin('message_pools as p', 'p.id', 't.pool_id')
    .select([
      'a.id',
      'a.patient_id',
      'a.message_id',
      'a.uploaded_by',
      'a.media_type',
      'a.size_bytes',
      'a.file_name',
      'a.key_id',
      'm.internal',
      't.patient_id as thread_patient_id',
      't.clinic_id',
      't.assigned_user_id',
      'p.roles as pool_roles',
    ])
    .where('a.id', '=', id)
    .executeTakeFirst();
}

const ownUnsent = (req: FastifyRequest, a: Found) =>
  a.message_id === null && a.uploaded_by === (req.auth as Auth).user.id;

/** The patient (or a caregiver acting for them) reaches what was sent in their threads, never staff notes. */
const patientReaches = (req: FastifyRequest, a: Found, patientId: string | null) =>
  a.patient_id === patientId &&
  (ownUnsent(req, a) || (a.thread_patient_id === patientId && a.internal === false));

/** Staff reach what was sent in threads of pools they work, or assigned to them. */
const staffReaches = (req: FastifyRequest, a: Found) =>
  ownUnsent(req, a) ||
  (a.clinic_id !== null &&
    a.pool_roles !== null &&
    (worksPool(rolesAt(req, a.clinic_id), a.pool_roles) ||
      holdsThread(req, { clinic_id: a.clinic_id, assigned_user_id: a.assigned_user_id })));

/** The patient, when registered at a clinic where the caller works the inbox. */
async function requireStaffPatient(deps: ModuleDeps, req: FastifyRequest, patientId: string) {
  const at = await deps.db
    .selectFrom('patient_clinics')
    .select('clinic_id')
    .where('patient_id', '=', patientId)
    .execute();
  const inbox = at.some((r) =>
    rolesAt(req, r.clinic_id).some((role) => INBOX_ROLES.includes(role)),
  );
  if (!inbox) await refuse(deps, req, { patientId, clinicId: null }, 'That record was not found.');
}

const ATTEMPTED: Record<string, string> = { GET: 'download', DELETE: 'delete' };

const refuse = (
  deps: ModuleDeps,
  req: FastifyRequest,
  what: { resourceId?: string; patientId: string | null; clinicId: string | null },
  message = 'That file was not found.',
) =>
  refuseAccess(
    deps.db,
    req,
    { resourceType: RESOURCE, ...what, attempted: ATTEMPTED[req.method] ?? 'upload' },
    message,
  );

/** RFC 6266: a plain ASCII fallback, and the real name percent-encoded in UTF-8. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\w .()-]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
