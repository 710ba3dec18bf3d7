import type { ColumnType, Generated } from 'kysely';

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: string;
}

export interface MailTables {
  mail_outbox: {
    id: Generated<string>;
    to_address: string;
    subject: string;
    body: string | null;
    /** Files sent with the mail (a calendar .ics), cleared once sent. */
    attachments: ColumnType<MailAttachment[] | null, string | null, string | null>;
    created_at: Generated<Date>;
    sent_at: Date | null;
    attempts: Generated<number>;
    last_error: string | null;
    next_attempt_at: Generated<Date>;
  };
}
