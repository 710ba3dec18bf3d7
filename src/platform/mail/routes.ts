// The development mailbox: without SMTP, queued mail stays in the outbox and
// a system administrator reads it here. With SMTP there is no mailbox.
import { Type } from 'typebox';
import { audit } from '../audit/audit.ts';
import { auditSource } from '../auth/context.ts';
import { ApiError } from '../errors.ts';
import { ErrorResponse } from '../http/errors.ts';
import type { ModuleRoutes } from '../http/module.ts';

const MailboxEntry = Type.Object({
  id: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  body: Type.Union([Type.String(), Type.Null()]),
  attachments: Type.Array(Type.String(), { description: 'file names' }),
  createdAt: Type.String({ format: 'date-time' }),
});

export const mailboxRoutes: ModuleRoutes = async (app, { db, config }) => {
  app.get(
    '/api/dev/mailbox',
    {
      config: { access: { roles: ['system_admin'] } },
      schema: {
        tags: ['development'],
        summary: 'The newest 50 queued mails (only when no SMTP server is configured)',
        response: { 200: Type.Object({ messages: Type.Array(MailboxEntry) }), 404: ErrorResponse },
      },
    },
    async (req) => {
      if (config.smtpUrl)
        throw new ApiError(404, 'not_found', 'Mail is sent over SMTP here; there is no mailbox.');
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('mail_outbox')
          .select(['id', 'to_address', 'subject', 'body', 'attachments', 'created_at'])
          .orderBy('created_at', 'desc')
          .orderBy('id')
          .limit(50)
          .execute();
        // The mailbox shows live links and codes: reading it is a security event.
        await audit(trx, auditSource(req), {
          action: 'view',
          resourceType: 'DevMailbox',
          details: { count: rows.length },
        });
        return {
          messages: rows.map((r) => ({
            id: r.id,
            to: r.to_address,
            subject: r.subject,
            body: r.body,
            attachments: (r.attachments ?? []).map((a) => a.filename),
            createdAt: r.created_at.toISOString(),
          })),
        };
      });
    },
  );
};
