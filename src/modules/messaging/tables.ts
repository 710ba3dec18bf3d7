import type { Generated } from 'kysely';

export const TOPICS = ['medical', 'appointment', 'billing', 'refill', 'other'] as const;
export type Topic = (typeof TOPICS)[number];

export const THREAD_STATUSES = ['new', 'in_progress', 'waiting_for_patient', 'closed'] as const;
export type ThreadStatus = (typeof THREAD_STATUSES)[number];

export const ATTACHMENT_TYPES = [
  'application/pdf',
  'image/jpeg',
  'image/png',
  'image/heic',
] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
export const MAX_ATTACHMENTS_PER_MESSAGE = 5;

export interface MessagingTables {
  data_keys: {
    id: Generated<string>;
    wrapped: Buffer;
    master_key_id: string;
    active: Generated<boolean>;
    created_at: Generated<Date>;
    rewrapped_at: Date | null;
  };
  message_pools: {
    id: Generated<string>;
    clinic_id: string;
    topic: Topic;
    name_en: string;
    name_es: string;
    roles: string[];
    target_business_days: Generated<number>;
  };
  message_threads: {
    id: Generated<string>;
    clinic_id: string;
    patient_id: string;
    pool_id: string;
    topic: Topic;
    subject: Buffer;
    key_id: string;
    status: Generated<ThreadStatus>;
    assigned_user_id: string | null;
    started_by: string;
    started_by_staff: Generated<boolean>;
    created_at: Generated<Date>;
    last_message_at: Generated<Date>;
    first_staff_reply_at: Date | null;
    /** Since when a patient's message waits for staff; the reply clock. */
    awaiting_reply_since: Date | null;
  };
  messages: {
    id: Generated<string>;
    thread_id: string;
    author_user_id: string;
    from_staff: boolean;
    internal: Generated<boolean>;
    body: Buffer;
    key_id: string;
    created_at: Generated<Date>;
    /** Read receipt: when the other side first read it. */
    read_at: Date | null;
    ehr_communication_id: string | null;
  };
  message_attachments: {
    id: Generated<string>;
    patient_id: string;
    thread_id: string | null;
    message_id: string | null;
    uploaded_by: string;
    media_type: AttachmentType;
    size_bytes: number;
    file_name: Buffer;
    content: Buffer;
    key_id: string;
    created_at: Generated<Date>;
  };
  message_reads: {
    thread_id: string;
    user_id: string;
    read_at: Date;
  };
  message_drafts: {
    id: Generated<string>;
    user_id: string;
    patient_id: string;
    thread_id: string | null;
    clinic_id: string | null;
    topic: Topic | null;
    subject: Buffer | null;
    body: Buffer;
    key_id: string;
    updated_at: Generated<Date>;
  };
  message_templates: {
    id: Generated<string>;
    clinic_id: string;
    name: string;
    body_en: string;
    body_es: string;
  };
}
