import { describe, expect, test } from 'vitest';
import { REFILL_EVENT_KINDS } from '../../../src/modules/refills/tables.ts';
import { resources } from '../i18n/resources.ts';
import { isUndecided, openQuestion, REFILL_STATUSES, refillTone, timeline } from './status.ts';
import type { RefillEvent, RefillRequest } from './types.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 2, 9, minute)).toISOString();
const event = (kind: RefillEvent['kind'], minute: number, text: string | null = null) => ({
  kind,
  at: at(minute),
  text,
  by: null,
  forPatient: true,
});

function request(status: RefillRequest['status'], events: RefillEvent[] = []) {
  const decided = events.find((e) => ['approved', 'denied'].includes(e.kind));
  return { status, createdAt: at(0), decidedAt: decided?.at ?? null, events };
}

const shape = (r: ReturnType<typeof request>) =>
  timeline(r).map((s) => `${s.step}:${s.state}${s.outcome ? `=${s.outcome}` : ''}`);

describe('the progress a patient sees', () => {
  test('a new request waits for review, then a decision, then the pharmacy', () => {
    expect(shape(request('requested', [event('requested', 0)]))).toEqual([
      'requested:done',
      'in_review:current',
      'decided:upcoming',
      'sent:upcoming',
    ]);
  });

  test('in review: the decision is what is awaited', () => {
    const r = request('in_review', [event('requested', 0), event('in_review', 5)]);
    expect(shape(r)).toEqual([
      'requested:done',
      'in_review:done',
      'decided:current',
      'sent:upcoming',
    ]);
    expect(timeline(r)[1]?.at).toBe(at(5));
  });

  test('approved, then sent: every step done, with the times they happened', () => {
    const events = [event('requested', 0), event('in_review', 5), event('approved', 30)];
    expect(shape(request('approved', events))).toEqual([
      'requested:done',
      'in_review:done',
      'decided:done=approved',
      'sent:current',
    ]);
    const sent = timeline(request('sent', [...events, event('sent', 31)]));
    expect(sent.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(sent.map((s) => s.at)).toEqual([at(0), at(5), at(30), at(31)]);
  });

  test('a denial ends the way: nothing is sent to a pharmacy', () => {
    const r = request('denied', [event('requested', 0), event('in_review', 5), event('denied', 9)]);
    expect(shape(r)).toEqual(['requested:done', 'in_review:done', 'decided:done=denied']);
    expect(timeline(r)[2]?.at).toBe(at(9));
  });

  test('cancelled before anyone looked: no review step is shown', () => {
    const r = request('cancelled', [event('requested', 0), event('cancelled', 2)]);
    expect(shape(r)).toEqual(['requested:done', 'decided:done=cancelled']);
    const reviewed = request('cancelled', [
      event('requested', 0),
      event('in_review', 1),
      event('cancelled', 2),
    ]);
    expect(shape(reviewed)).toEqual(['requested:done', 'in_review:done', 'decided:done=cancelled']);
  });

  test('stopped because the medication changed in the EHR', () => {
    const r = request('stopped', [
      event('requested', 0),
      event('in_review', 1),
      event('stopped', 4),
    ]);
    expect(shape(r)).toEqual(['requested:done', 'in_review:done', 'decided:done=stopped']);
  });

  test('only undecided requests may be cancelled', () => {
    expect(REFILL_STATUSES.filter(isUndecided)).toEqual(['requested', 'in_review']);
  });
});

describe("the care team's question", () => {
  test('the latest question is shown while an answer is awaited, and not after', () => {
    const events = [
      event('question', 1, 'First?'),
      event('answer', 2, 'Yes'),
      event('question', 3, 'Which dose?'),
    ];
    expect(openQuestion({ awaitingAnswer: true, events })).toBe('Which dose?');
    expect(openQuestion({ awaitingAnswer: false, events })).toBeNull();
  });
});

describe('status words', () => {
  test.each(['en', 'es'] as const)('every status, event and step has words in %s', (lang) => {
    const texts = resources[lang].refills;
    for (const status of REFILL_STATUSES) {
      expect(texts.status[status], status).toBeTruthy();
      expect(texts.statusHelp[status], status).toBeTruthy();
      expect(texts.steps.outcome[status], status).toBeTruthy();
    }
    for (const kind of REFILL_EVENT_KINDS) expect(texts.events[kind], kind).toBeTruthy();
  });

  test('approved and sent read green, denied and stopped red, waiting blue', () => {
    expect(refillTone('approved')).toBe('active');
    expect(refillTone('sent')).toBe('active');
    expect(refillTone('denied')).toBe('locked');
    expect(refillTone('stopped')).toBe('locked');
    expect(refillTone('requested')).toBe('invited');
    expect(refillTone('cancelled')).toBe('none');
  });
});
