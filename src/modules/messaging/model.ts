// What the messaging API says. Texts are plain text: pages render them as
// text, never as HTML, and staff pages never turn patient-written links
// into links.
import { type Static, type TSchema, Type } from 'typebox';
import { ATTACHMENT_TYPES, THREAD_STATUSES, TOPICS } from './tables.ts';

const Instant = Type.String({ format: 'date-time' });
export const Uuid = Type.String({ format: 'uuid' });
const Maybe = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** Written by a person: something besides spaces. */
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
const Names = Type.Object({ en: Type.String(), es: Type.String() });

export const Subject = Text(200);
export const Body = Text(10_000);

export const TopicOption = Type.Object({
  topic: Type.Enum(TOPICS),
  name: Names,
  /** The clinic's promise for the first reply, in business days. */
  targetBusinessDays: Type.Integer(),
});
export const MessageClinic = Type.Object({
  clinicId: Uuid,
  clinicName: Type.String(),
  clinicPhone: Type.String(),
  topics: Type.Array(TopicOption),
});

export const AttachmentView = Type.Object({
  id: Uuid,
  fileName: Type.String(),
  mediaType: Type.Enum(ATTACHMENT_TYPES),
  sizeBytes: Type.Integer(),
});
export type AttachmentView = Static<typeof AttachmentView>;

export const MessageView = Type.Object({
  id: Uuid,
  body: Type.String(),
  fromStaff: Type.Boolean(),
  /** Staff see names; a patient sees their own side's names and the staff member's display name. */
  authorName: Type.String(),
  /** Staff-only note (never in a patient's answer). */
  internal: Type.Boolean(),
  createdAt: Instant,
  attachments: Type.Array(AttachmentView),
  /** Read receipt: when the other side (anyone on it) first read it; null while unread. */
  readAt: Maybe(Instant),
});
export type MessageView = Static<typeof MessageView>;

export const ThreadSummary = Type.Object({
  id: Uuid,
  clinicId: Uuid,
  clinicName: Type.String(),
  patientId: Uuid,
  /** Staff views only (patients know who they are). */
  patientName: Maybe(Type.String()),
  topic: Type.Enum(TOPICS),
  poolName: Names,
  subject: Type.String(),
  status: Type.Enum(THREAD_STATUSES),
  assignedTo: Maybe(Type.Object({ id: Uuid, name: Type.String() })),
  lastMessageAt: Instant,
  unread: Type.Integer({ description: 'messages the caller has not read' }),
  /** Staff views: when the answer to the patient's waiting message is due (null: nothing waits) and whether it is late. */
  replyDueAt: Maybe(Instant),
  overdue: Type.Boolean(),
});
export type ThreadSummary = Static<typeof ThreadSummary>;

export const ThreadView = Type.Object({
  ...ThreadSummary.properties,
  messages: Type.Array(MessageView),
  targetBusinessDays: Type.Integer(),
});
export type ThreadView = Static<typeof ThreadView>;

export const StartThread = Type.Object(
  {
    clinicId: Uuid,
    topic: Type.Enum(TOPICS),
    subject: Subject,
    body: Body,
    attachmentIds: Type.Optional(Type.Array(Uuid, { maxItems: 5, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export const StaffStartThread = Type.Object(
  {
    clinicId: Uuid,
    patientId: Uuid,
    topic: Type.Enum(TOPICS),
    subject: Subject,
    body: Body,
  },
  { additionalProperties: false },
);
export const Reply = Type.Object(
  {
    body: Body,
    attachmentIds: Type.Optional(Type.Array(Uuid, { maxItems: 5, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export const StaffReply = Type.Object(
  {
    body: Body,
    /** An internal note: staff only. */
    internal: Type.Boolean({ default: false }),
    attachmentIds: Type.Optional(Type.Array(Uuid, { maxItems: 5, uniqueItems: true })),
  },
  { additionalProperties: false },
);
/** A new conversation's choices so far, kept with its text (a reply's draft has none). */
const DraftChoices = {
  clinicId: Type.Optional(Maybe(Uuid)),
  topic: Type.Optional(Maybe(Type.Enum(TOPICS))),
  subject: Type.Optional(Maybe(Type.String({ maxLength: 200 }))),
};
export const Draft = Type.Object(
  { threadId: Maybe(Uuid), body: Type.String({ maxLength: 10_000 }), ...DraftChoices },
  { additionalProperties: false },
);
export type Draft = Static<typeof Draft>;
/** The caller's kept draft; null when there is none. */
export const DraftView = Type.Object({
  draft: Maybe(
    Type.Object({
      threadId: Maybe(Uuid),
      body: Type.String(),
      ...DraftChoices,
      updatedAt: Instant,
    }),
  ),
});
export type DraftView = Static<typeof DraftView>;
/** Whether new messages are announced by e-mail (never with their content). */
export const MessageEmail = Type.Object({ email: Type.Boolean() }, { additionalProperties: false });

export const Template = Type.Object({
  id: Uuid,
  clinicId: Uuid,
  name: Type.String(),
  body: Names,
});
export type Template = Static<typeof Template>;

export const MessageMeasures = Type.Object({
  clinicId: Uuid,
  from: Instant,
  to: Instant,
  pools: Type.Array(
    Type.Object({
      poolId: Uuid,
      topic: Type.Enum(TOPICS),
      threads: Type.Integer(),
      replied: Type.Integer(),
      medianHours: Maybe(Type.Number()),
      p90Hours: Maybe(Type.Number()),
      /** Share (0–1) first answered within the pool's target; null when none answered. */
      withinTarget: Maybe(Type.Number()),
      targetBusinessDays: Type.Integer(),
      waiting: Type.Integer(),
      overdue: Type.Integer(),
    }),
  ),
});
export type MessageMeasures = Static<typeof MessageMeasures>;

// The staff inbox (part MD).
/** A colleague the inbox can assign a thread or hand it off to. */
export const StaffMember = Type.Object({ id: Uuid, name: Type.String() });
export type StaffMember = Static<typeof StaffMember>;
export const InboxPool = Type.Object({
  id: Uuid,
  topic: Type.Enum(TOPICS),
  name: Names,
  targetBusinessDays: Type.Integer(),
  /** Open threads by status; overdue: a patient's message unanswered past the target. */
  counts: Type.Object({
    new: Type.Integer(),
    inProgress: Type.Integer(),
    waitingForPatient: Type.Integer(),
    overdue: Type.Integer(),
    unassigned: Type.Integer(),
  }),
  /** Staff at the clinic who work this pool: whom the inbox page offers to assign to. */
  staff: Type.Optional(Type.Array(StaffMember)),
});
export type InboxPool = Static<typeof InboxPool>;
/** GET /api/staff/messages/pools; providers: the clinic's, whom the inbox page offers a hand-off to. */
export const InboxPools = Type.Object({
  pools: Type.Array(InboxPool),
  providers: Type.Optional(Type.Array(StaffMember)),
});
export type InboxPools = Static<typeof InboxPools>;

/** userId null: back to the pool, nobody's. */
export const AssignBody = Type.Object({ userId: Maybe(Uuid) }, { additionalProperties: false });
export const StatusBody = Type.Object(
  { status: Type.Enum(THREAD_STATUSES) },
  { additionalProperties: false },
);
/** To a provider of the clinic, with a note for them (internal). */
export const HandoffBody = Type.Object(
  { providerUserId: Uuid, note: Body },
  { additionalProperties: false },
);

/** Placeholders: {{patientFirstName}}, {{clinicName}}, {{staffName}}. */
const TemplateText = Text(4000);
export const TemplateBody = Type.Object(
  {
    clinicId: Uuid,
    name: Text(100),
    body: Type.Object({ en: TemplateText, es: TemplateText }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export const TemplatePatch = Type.Object(
  {
    name: Type.Optional(Text(100)),
    body: Type.Optional(
      Type.Object({ en: TemplateText, es: TemplateText }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
/** A template with its placeholders filled for one thread. */
export const FilledTemplate = Type.Object({ body: Type.String() });
