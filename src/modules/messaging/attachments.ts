// Attachments: a file is typed by its first bytes (never by its name or the
// header the browser sent), images lose the metadata a phone writes into
// them (where the photo was taken, the device) without being re-encoded, and
// the name and bytes are stored sealed. An upload belongs to its uploader
// until it is sent with a message; then to the people in the thread.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import { auditMany, SYSTEM_SOURCE } from '../../platform/audit/audit.ts';
import { openText, sealBytes, sealText } from '../../platform/crypto/envelope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import type { Jobs } from '../../platform/jobs/jobs.ts';
import type { AttachmentView } from './model.ts';
import { type AttachmentType, MAX_ATTACHMENTS_PER_MESSAGE } from './tables.ts';

type Db = Kysely<Schema>;

/** Uploads a person may keep waiting to be sent, so unsent files cannot pile up. */
export const MAX_UNSENT_PER_USER = 20;
/** How long an upload may wait unsent (a message abandoned) before it is cleared away. */
export const UNSENT_KEPT_HOURS = 24;
export const STALE_UPLOADS_QUEUE = 'messaging.stale-uploads';

export const ONLY_THESE = 'Only PDF, JPEG, PNG or HEIC files can be attached.';

const damaged = () =>
  new ApiError(
    422,
    'unreadable_file',
    'This file could not be read; it may be damaged. Try saving or exporting it again.',
  );

const startsWith = (b: Buffer, bytes: number[], at = 0) =>
  b.length >= at + bytes.length && bytes.every((v, i) => b[at + i] === v);

const PDF = [...Buffer.from('%PDF-')];
const JPEG = [0xff, 0xd8, 0xff];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const HEIC_BRANDS = ['heic', 'heix', 'heim', 'heis', 'hevc'];
/** Generic image-file brands: HEIC only with a HEIC brand beside them (else it may be AVIF). */
const GENERIC_BRANDS = ['mif1', 'msf1'];

/** The file's type from its first bytes, or null for anything else. */
export function sniffType(b: Buffer): AttachmentType | null {
  if (startsWith(b, PDF)) return 'application/pdf';
  if (startsWith(b, JPEG)) return 'image/jpeg';
  if (startsWith(b, PNG)) return 'image/png';
  if (isHeic(b)) return 'image/heic';
  return null;
}

function isHeic(b: Buffer): boolean {
  if (b.length < 16 || b.toString('latin1', 4, 8) !== 'ftyp') return false;
  const size = Math.min(b.readUInt32BE(0), b.length);
  const major = b.toString('latin1', 8, 12);
  if (HEIC_BRANDS.includes(major)) return true;
  if (!GENERIC_BRANDS.includes(major)) return false;
  for (let at = 16; at + 4 <= size; at += 4)
    if (HEIC_BRANDS.includes(b.toString('latin1', at, at + 4))) return true;
  return false;
}

/**
 * The file without its metadata. PDFs are kept byte for byte: their metadata
 * (author, title) is what the patient chose to send, and rewriting a PDF
 * safely needs a full parser.
 */
export function stripMetadata(type: AttachmentType, b: Buffer): Buffer {
  switch (type) {
    case 'image/jpeg':
      return stripJpeg(b);
    case 'image/png':
      return stripPng(b);
    case 'image/heic':
      return stripHeic(b);
    default:
      return b;
  }
}

const APP1 = 0xe1; // Exif, XMP
const APP13 = 0xed; // IPTC (Photoshop)
const COM = 0xfe;
const SOS = 0xda;
const EOI = 0xd9;
const standalone = (m: number) => m === 0x01 || (m >= 0xd0 && m <= 0xd7);

/** JPEG without Exif/XMP (APP1), IPTC (APP13) and comments, nor anything after the image's end. */
export function stripJpeg(b: Buffer): Buffer {
  const kept: Buffer[] = [b.subarray(0, 2)];
  let at = 2;
  while (at < b.length) {
    if (b[at] !== 0xff || at + 1 >= b.length) throw damaged();
    const marker = b[at + 1] as number;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === EOI) {
      kept.push(b.subarray(at, at + 2));
      break; // trailing data (other images, vendor blocks) can carry metadata too
    }
    if (standalone(marker)) {
      kept.push(b.subarray(at, at + 2));
      at += 2;
      continue;
    }
    if (at + 4 > b.length) throw damaged();
    const end = at + 2 + b.readUInt16BE(at + 2);
    if (end > b.length) throw damaged();
    if (marker !== APP1 && marker !== APP13 && marker !== COM) kept.push(b.subarray(at, end));
    at = end;
    if (marker === SOS) {
      const scanEnd = endOfScan(b, at);
      kept.push(b.subarray(at, scanEnd));
      at = scanEnd;
    }
  }
  return Buffer.concat(kept);
}

/** Where the compressed data after a scan header ends: the next marker that is not a stuffed byte or restart. */
function endOfScan(b: Buffer, from: number): number {
  for (let i = from; i + 1 < b.length; i++) {
    const next = b[i + 1] as number;
    if (b[i] === 0xff && next !== 0 && next !== 0xff && !standalone(next)) return i;
  }
  return b.length; // cut short: keep what there is
}

/** Text, timestamps and Exif in PNG chunks. */
const PNG_METADATA = new Set(['tEXt', 'iTXt', 'zTXt', 'eXIf', 'tIME']);

/** PNG without its text, Exif and time chunks; kept chunks are copied whole, CRC included. */
export function stripPng(b: Buffer): Buffer {
  const kept: Buffer[] = [b.subarray(0, 8)];
  let at = 8;
  while (at < b.length) {
    if (at + 12 > b.length) throw damaged();
    const end = at + 12 + b.readUInt32BE(at);
    if (end > b.length) throw damaged();
    const type = b.toString('latin1', at + 4, at + 8);
    if (!PNG_METADATA.has(type)) kept.push(b.subarray(at, end));
    at = end;
    if (type === 'IEND') break;
  }
  return Buffer.concat(kept);
}

interface Box {
  type: string;
  /** Where the box's content starts (after size and type). */
  body: number;
  end: number;
}

function boxes(b: Buffer, from: number, to: number): Box[] {
  const found: Box[] = [];
  for (let at = from; at + 8 <= to; ) {
    let size = b.readUInt32BE(at);
    let body = at + 8;
    if (size === 1) {
      if (at + 16 > to) throw damaged();
      size = Number(b.readBigUInt64BE(at + 8));
      body = at + 16;
    } else if (size === 0) size = to - at;
    if (size < body - at || at + size > to) throw damaged();
    found.push({ type: b.toString('latin1', at + 4, at + 8), body, end: at + size });
    at += size;
  }
  return found;
}

const readUInt = (b: Buffer, at: number, bytes: number): number =>
  bytes === 0 ? 0 : bytes === 8 ? Number(b.readBigUInt64BE(at)) : b.readUIntBE(at, bytes);

/**
 * HEIC keeps Exif and XMP as items of the file's `meta` box. Their bytes are
 * overwritten with zeros where they lie, so no offset in the file moves and
 * the image itself is untouched; the items stay listed, empty. Items stored
 * inside other items (construction method 2) are left as they are: phones
 * do not write Exif that way.
 */
export function stripHeic(source: Buffer): Buffer {
  const b = Buffer.from(source);
  const meta = boxes(b, 0, b.length).find((x) => x.type === 'meta');
  if (!meta) return b;
  const children = boxes(b, meta.body + 4, meta.end); // meta is a full box: version and flags first
  const iinf = children.find((x) => x.type === 'iinf');
  const iloc = children.find((x) => x.type === 'iloc');
  if (!iinf || !iloc) return b;
  const idat = children.find((x) => x.type === 'idat');
  const metadataItems = metadataItemIds(b, iinf);
  for (const extent of itemExtents(b, iloc))
    if (metadataItems.has(extent.itemId)) {
      const base = extent.method === 1 ? idat?.body : extent.method === 0 ? 0 : undefined;
      if (base === undefined) continue;
      const start = base + extent.offset;
      const end = start + extent.length;
      if (end > b.length || extent.length === 0) throw damaged();
      b.fill(0, start, end);
    }
  return b;
}

/** Ids of the Exif and XMP items listed in `iinf`. */
function metadataItemIds(b: Buffer, iinf: Box): Set<number> {
  const version = b[iinf.body] as number;
  const ids = new Set<number>();
  for (const infe of boxes(b, iinf.body + 4 + (version === 0 ? 2 : 4), iinf.end)) {
    const v = b[infe.body] as number;
    if (infe.type !== 'infe' || v < 2) continue;
    let at = infe.body + 4;
    const id = v === 2 ? b.readUInt16BE(at) : b.readUInt32BE(at);
    at += (v === 2 ? 2 : 4) + 2; // item id, protection index
    const itemType = b.toString('latin1', at, at + 4);
    at += 4;
    const nameEnd = b.indexOf(0, at);
    const contentType =
      nameEnd >= 0 && nameEnd < infe.end
        ? b.toString('latin1', nameEnd + 1, Math.max(nameEnd + 1, b.indexOf(0, nameEnd + 1)))
        : '';
    if (itemType === 'Exif' || (itemType === 'mime' && contentType.includes('rdf+xml')))
      ids.add(id);
  }
  return ids;
}

interface Extent {
  itemId: number;
  method: number;
  offset: number;
  length: number;
}

/** Where each item's bytes lie, from `iloc`. */
function itemExtents(b: Buffer, iloc: Box): Extent[] {
  const v = b[iloc.body] as number;
  let at = iloc.body + 4;
  const sizes = b.readUInt16BE(at);
  const offsetSize = sizes >> 12;
  const lengthSize = (sizes >> 8) & 0xf;
  const baseSize = (sizes >> 4) & 0xf;
  const indexSize = v === 1 || v === 2 ? sizes & 0xf : 0;
  at += 2;
  const count = v < 2 ? b.readUInt16BE(at) : b.readUInt32BE(at);
  at += v < 2 ? 2 : 4;
  const extents: Extent[] = [];
  for (let i = 0; i < count; i++) {
    const itemId = v < 2 ? b.readUInt16BE(at) : b.readUInt32BE(at);
    at += v < 2 ? 2 : 4;
    let method = 0;
    if (v === 1 || v === 2) {
      method = b.readUInt16BE(at) & 0xf;
      at += 2;
    }
    at += 2; // data reference index
    const base = readUInt(b, at, baseSize);
    at += baseSize;
    const extentCount = b.readUInt16BE(at);
    at += 2;
    for (let e = 0; e < extentCount; e++) {
      at += indexSize;
      const offset = readUInt(b, at, offsetSize);
      at += offsetSize;
      const length = readUInt(b, at, lengthSize);
      at += lengthSize;
      extents.push({ itemId, method, offset: base + offset, length });
    }
    if (at > iloc.end) throw damaged();
  }
  return extents;
}

/**
 * The name a download will carry: the given one without folders, control or
 * bidirectional-override characters (which can disguise "exe.pdf" as
 * "fdp.exe"), always ending in the extension of the type the bytes really
 * are, so a saved file opens as what it was checked to be.
 */
export function cleanFileName(given: string | undefined, type: AttachmentType): string {
  let name = '';
  try {
    name = decodeURIComponent(given ?? '');
  } catch {
    name = '';
  }
  const base = name.split(/[/\\]/).pop() ?? '';
  const printable = [...base].filter((c) => c >= ' ' && c !== '\u007f' && !BIDI.test(c)).join('');
  const extension = EXTENSIONS[type];
  const stem = printable
    .trim()
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .slice(0, 190)
    .trim();
  return `${stem || 'attachment'}.${extension}`;
}

/** Bidirectional controls (LRE…RLO, LRI…PDI) and marks that reorder how a name reads. */
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const EXTENSIONS: Record<AttachmentType, string> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/heic': 'heic',
};

export interface Upload {
  patientId: string;
  uploadedBy: string;
  fileName: string | undefined;
  bytes: Buffer;
}

/** Checks, strips and stores an upload (in the caller's transaction); its view. */
export async function storeAttachment(
  trx: Db,
  config: Config,
  upload: Upload,
): Promise<AttachmentView> {
  const type = sniffType(upload.bytes);
  if (!type) throw new ApiError(415, 'unsupported_file_type', ONLY_THESE);
  const unsent = await trx
    .selectFrom('message_attachments')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('uploaded_by', '=', upload.uploadedBy)
    .where('message_id', 'is', null)
    .executeTakeFirstOrThrow();
  if (Number(unsent.n) >= MAX_UNSENT_PER_USER)
    throw new ApiError(
      409,
      'too_many_unsent',
      `You have ${MAX_UNSENT_PER_USER} files waiting to be sent. Send them with a message before adding more.`,
    );
  const bytes = stripMetadata(type, upload.bytes);
  const fileName = cleanFileName(upload.fileName, type);
  const content = await sealBytes(trx, config, bytes);
  let name = await sealText(trx, config, fileName);
  // The row has one key id: should the active key change in between, seal the name again.
  if (name.keyId !== content.keyId) name = await sealText(trx, config, fileName);
  if (name.keyId !== content.keyId) throw new Error('The active data key changed mid-upload');
  const row = await trx
    .insertInto('message_attachments')
    .values({
      patient_id: upload.patientId,
      uploaded_by: upload.uploadedBy,
      media_type: type,
      size_bytes: bytes.length,
      file_name: name.data,
      content: content.data,
      key_id: content.keyId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, fileName, mediaType: type, sizeBytes: bytes.length };
}

/**
 * Attaches the caller's unsent uploads to a message being sent. Each must
 * be theirs, for this patient, and not sent yet; else nothing is attached.
 */
export async function claimAttachments(
  trx: Db,
  p: { ids: string[]; uploadedBy: string; patientId: string; threadId: string; messageId: string },
): Promise<void> {
  const ids = [...new Set(p.ids)];
  if (ids.length === 0) return;
  if (ids.length > MAX_ATTACHMENTS_PER_MESSAGE)
    throw new ApiError(
      400,
      'too_many_attachments',
      `A message can carry at most ${MAX_ATTACHMENTS_PER_MESSAGE} files.`,
      [
        {
          field: 'attachmentIds',
          message: `must have at most ${MAX_ATTACHMENTS_PER_MESSAGE} items`,
        },
      ],
    );
  const claimed = await trx
    .updateTable('message_attachments')
    .set({ thread_id: p.threadId, message_id: p.messageId })
    .where('id', 'in', ids)
    .where('uploaded_by', '=', p.uploadedBy)
    .where('patient_id', '=', p.patientId)
    .where('message_id', 'is', null)
    .returning('id')
    .execute();
  if (claimed.length !== ids.length)
    throw new ApiError(
      400,
      'attachment_unavailable',
      'A file could not be attached: it was already sent, or was not uploaded here. Attach it again.',
      [{ field: 'attachmentIds', message: 'must be files you uploaded and have not sent' }],
    );
}

/** The attachments of each message, oldest first, names opened. */
export async function attachmentsOf(
  db: Db,
  config: Config,
  messageIds: string[],
): Promise<Map<string, AttachmentView[]>> {
  const byMessage = new Map<string, AttachmentView[]>();
  if (messageIds.length === 0) return byMessage;
  const rows = await db
    .selectFrom('message_attachments')
    .select(['id', 'message_id', 'media_type', 'size_bytes', 'file_name', 'key_id'])
    .where('message_id', 'in', messageIds)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  for (const r of rows) {
    const list = byMessage.get(r.message_id as string) ?? [];
    list.push({
      id: r.id,
      fileName: await openText(db, config, r.file_name, r.key_id),
      mediaType: r.media_type,
      sizeBytes: r.size_bytes,
    });
    byMessage.set(r.message_id as string, list);
  }
  return byMessage;
}

/** Deletes uploads left unsent past UNSENT_KEPT_HOURS, each audited; how many went. */
export async function discardStaleUploads(db: Db, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - UNSENT_KEPT_HOURS * 3_600_000);
  return db.transaction().execute(async (trx) => {
    const gone = await trx
      .deleteFrom('message_attachments')
      .where('message_id', 'is', null)
      .where('created_at', '<', before)
      .returning(['id', 'patient_id'])
      .execute();
    await auditMany(
      trx,
      SYSTEM_SOURCE,
      gone.map((a) => ({
        action: 'delete' as const,
        resourceType: 'Binary',
        resourceId: a.id,
        patientId: a.patient_id,
        details: { reason: 'unsent', hours: UNSENT_KEPT_HOURS },
      })),
    );
    return gone.length;
  });
}

/** Clears stale uploads every hour, on one instance at a time. */
export async function registerStaleUploadsJob(jobs: Jobs, db: Db, log: Logger): Promise<void> {
  await jobs.boss.createQueue(STALE_UPLOADS_QUEUE, { policy: 'exclusive', expireInSeconds: 600 });
  await jobs.handle(STALE_UPLOADS_QUEUE, async () => {
    const removed = await discardStaleUploads(db);
    if (removed) log.info({ removed }, 'stale message uploads removed');
  });
  await jobs.boss.schedule(STALE_UPLOADS_QUEUE, '17 * * * *', {});
}
