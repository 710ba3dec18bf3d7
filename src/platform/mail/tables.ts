import type { Generated } from 'kysely';

export interface MailTables {
  mail_outbox: {
    id: Generated<string>;
    to_address: string;
    subject: string;
    body: string | null;
    created_at: Generated<Date>;
    sent_at: Date | null;
    attempts: Generated<number>;
    last_error: string | null;
    next_attempt_at: Generated<Date>;
  };
}
