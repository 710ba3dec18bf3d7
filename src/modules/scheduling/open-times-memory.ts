// Answers to patients' slot searches kept in memory for a while, so a search
// most often asks nothing of the database: at 32 searches at once the
// database's own share of each kept the p99 far above 20 ms on two cores
// (bench/RESULTS.md). What is kept is the same for every patient: a window's
// first times with the holds on them, cut by the clock and the patient's own
// holds as each search is answered. It stays right because every change to
// which times a clinic has open is heard at once (the database's notice; this
// process's own writes before their statement returns): the answers it
// touches are forgotten, or lose a slot that was taken, and a read under way
// that it touches is not kept. Nothing is kept while the notices cannot be
// heard. Booking never trusts it: the database decides who gets a slot.
import type { FastifyInstance } from 'fastify';
import type { OpenTimesChange, OpenTimesWatcher } from '../../platform/db/open-times-changes.ts';
import { countMemory } from '../../platform/http/metrics.ts';
import type { ModuleDeps } from '../../platform/http/module.ts';
import type { SlotView } from './model.ts';

/** A time in a window, and who holds it until when, as the database last said. */
export interface Candidate {
  slotId: number;
  view: SlotView;
  startsAt: number;
  heldBy: string | null;
  heldUntil: number;
}

/** What one search statement found: the visit type's window and its first times. */
export interface WindowAnswer {
  timeZone: string;
  leadMinutes: number;
  from: Date;
  to: Date;
  candidates: Candidate[];
  /** Every time in the window is among the candidates (there were no more). */
  complete: boolean;
}

/** Changes remembered for reads under way; a read that outlasts them is not kept. */
const RECENT = 256;

/** Beyond this many kept times and registrations, start again: a sweep would cost more than the reads it saves. */
const MOST_KEPT = 200_000;

/** What is kept for one clinic, forgotten together or by provider. */
interface ClinicMemory {
  /** Answers by provider searched ('' for any provider), then by search. */
  answers: Map<string, Map<string, { answer: WindowAnswer; until: number }>>;
  /** Until when each patient is known to be registered here. */
  registered: Map<string, number>;
}

/** Which search, and where it was made from. */
export interface SearchKey {
  key: string;
  clinicId: string;
  providerId: string | undefined;
  patientId: string;
}

export class OpenTimesMemory implements OpenTimesWatcher {
  /** Searches answered from memory, and from the database. */
  hits = 0;
  misses = 0;
  private readonly clinics = new Map<string, ClinicMemory>();
  /** The clinic and provider of each time kept in an answer. */
  private readonly slots = new Map<number, { clinicId: string; providerId: string }>();
  private kept = 0;
  /** Changes heard lately, and how many in all: a read that one touched is not kept. */
  private readonly recent: (OpenTimesChange | null)[] = [];
  private generation = 0;
  private heard = false;

  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(ttlMs: number, now: () => number = Date.now) {
    this.ttlMs = ttlMs;
    this.now = now;
  }

  /** The kept answer to a search, while fresh. */
  recall(s: SearchKey): WindowAnswer | undefined {
    const kept = this.clinics
      .get(s.clinicId)
      ?.answers.get(s.providerId ?? '')
      ?.get(s.key);
    return kept && this.now() < kept.until ? kept.answer : undefined;
  }

  /** Whether the patient is known to be registered at the search's clinic. */
  isRegistered(s: SearchKey): boolean {
    return this.now() < (this.clinics.get(s.clinicId)?.registered.get(s.patientId) ?? 0);
  }

  /** Where a read starts from: keep its answer with this, so one a change overtook is not kept. */
  get mark(): number {
    return this.generation;
  }

  /** Keeps what a search read (unless a change to it overtook the read), and that the patient may search there. */
  keep(s: SearchKey, mark: number, answer: WindowAnswer) {
    if (this.overtaken(mark, (c) => touches(c, s, answer))) return;
    if (this.kept + answer.candidates.length > MOST_KEPT) this.forget(null);
    const clinic = this.clinic(s.clinicId);
    let answers = clinic.answers.get(s.providerId ?? '');
    if (!answers) {
      answers = new Map();
      clinic.answers.set(s.providerId ?? '', answers);
    }
    this.kept += answer.candidates.length - (answers.get(s.key)?.answer.candidates.length ?? 0);
    for (const c of answer.candidates)
      this.slots.set(c.slotId, { clinicId: s.clinicId, providerId: c.view.providerId });
    answers.set(s.key, { answer, until: this.until() });
    this.keepRegistered(s, mark);
  }

  /** Keeps that the patient may search at the clinic, unless a change to the clinic overtook the read. */
  keepRegistered(s: SearchKey, mark: number) {
    // Registrations change only with the whole clinic's times (migration 0015).
    const wholeClinic = (c: OpenTimesChange | null) =>
      c === null || (!('slotId' in c) && c.clinicId === s.clinicId && !c.providerId);
    if (this.overtaken(mark, wholeClinic)) return;
    const clinic = this.clinic(s.clinicId);
    if (!clinic.registered.has(s.patientId)) this.kept++;
    clinic.registered.set(s.patientId, this.until());
  }

  private overtaken(mark: number, touched: (c: OpenTimesChange | null) => boolean): boolean {
    const since = this.generation - mark;
    if (!this.heard || since > this.recent.length) return true;
    return this.recent.slice(this.recent.length - since).some(touched);
  }

  private clinic(clinicId: string): ClinicMemory {
    let clinic = this.clinics.get(clinicId);
    if (!clinic) {
      clinic = { answers: new Map(), registered: new Map() };
      this.clinics.set(clinicId, clinic);
    }
    return clinic;
  }

  /** Half the lifetime to all of it, so what was kept together (after a start) is not all read again together. */
  private until(): number {
    return this.now() + this.ttlMs * (0.5 + Math.random() / 2);
  }

  changed(what: OpenTimesChange | null) {
    this.heardOf(what);
    if (what && 'slotId' in what) this.slotChanged(what);
    else this.forget(what);
  }

  /**
   * A hold on a slot changed: the answers that list it are forgotten. A slot
   * was taken: they only lose it (the times after it stay the first ones).
   * A slot in no kept answer changes none: answers list every time from their
   * first, held or not, so a booking or hold elsewhere is past them.
   */
  private slotChanged(what: { slotId: number; taken?: true }) {
    const owner = this.slots.get(what.slotId);
    const clinic = owner && this.clinics.get(owner.clinicId);
    if (!owner || !clinic) return;
    for (const providerId of [owner.providerId, '']) {
      const answers = clinic.answers.get(providerId);
      for (const [key, kept] of answers ?? []) {
        const candidates = kept.answer.candidates.filter((c) => c.slotId !== what.slotId);
        if (candidates.length === kept.answer.candidates.length) continue;
        this.kept -= kept.answer.candidates.length;
        if (what.taken) {
          kept.answer = { ...kept.answer, candidates };
          this.kept += candidates.length;
        } else answers?.delete(key);
      }
    }
  }

  hearing(ok: boolean) {
    this.heardOf(null);
    this.heard = ok;
    this.forget(null);
  }

  private heardOf(what: OpenTimesChange | null) {
    this.generation++;
    this.recent.push(what);
    if (this.recent.length > RECENT) this.recent.shift();
  }

  /** A provider's answers and those for any provider, a clinic's, or (null) everything. */
  private forget(what: { clinicId: string; providerId?: string } | null) {
    if (what === null) {
      this.clinics.clear();
      this.slots.clear();
      this.kept = 0;
      return;
    }
    const clinic = this.clinics.get(what.clinicId);
    if (!clinic) return;
    const gone = what.providerId ? [what.providerId, ''] : [...clinic.answers.keys()];
    for (const providerId of gone) {
      for (const { answer } of clinic.answers.get(providerId)?.values() ?? [])
        this.kept -= answer.candidates.length;
      clinic.answers.delete(providerId);
    }
    if (what.providerId) return;
    this.kept -= clinic.registered.size;
    this.clinics.delete(what.clinicId);
  }
}

/** Whether a change may have made an answer read while it happened wrong. */
function touches(change: OpenTimesChange | null, s: SearchKey, answer: WindowAnswer): boolean {
  if (change === null) return true;
  if ('slotId' in change) return answer.candidates.some((c) => c.slotId === change.slotId);
  return (
    change.clinicId === s.clinicId &&
    (!change.providerId || !s.providerId || change.providerId === s.providerId)
  );
}

/**
 * The times of an answer a patient may take now, earliest first: from the
 * rules' lead time on (the clock moves while it is kept), not held by
 * someone else (a hold that ran out is no hold).
 */
export function openNow(answer: WindowAnswer, patientId: string | null, now = Date.now()) {
  const from = openFrom(answer, now);
  return answer.candidates.filter(
    (c) =>
      c.startsAt >= from && (c.heldBy === null || c.heldBy === patientId || c.heldUntil <= now),
  );
}

/** The window's first moment now: the rules' lead time moves with the clock. */
export const openFrom = (answer: WindowAnswer, now = Date.now()) =>
  Math.max(answer.from.getTime(), now + answer.leadMinutes * 60_000);

/** The instance's memory of searches, listening until the app closes; counted in /metrics. */
export async function openTimesMemory(
  app: FastifyInstance,
  deps: ModuleDeps,
): Promise<OpenTimesMemory | undefined> {
  const seconds = deps.config.slotSearchCacheSeconds;
  if (!deps.openTimesChanges || seconds === 0) return undefined;
  const memory = new OpenTimesMemory(seconds * 1000);
  app.addHook('onClose', await deps.openTimesChanges.watch(memory));
  countMemory(
    app,
    {
      name: 'slot_searches_total',
      help: "Patients' slot searches, by where they were answered from (memory or database)",
      label: 'answered_from',
    },
    memory,
  );
  return memory;
}
