// The booking rules (src/modules/scheduling/rules.ts) against a spec written
// here rule by rule: for random facts, a booking is refused exactly when a
// rule fails, and the refusal names the first failing rule in the
// documented order (BOOKING_REFUSALS). Times are drawn around every
// boundary to the millisecond; staff skip the online rules; a request
// waiting for staff may always be changed before it starts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BOOKING_REFUSALS,
  type BookingFacts,
  type BookingRefusal,
  bookingRefusal,
  changeRefusal,
  statusOnBooking,
} from '../src/modules/scheduling/rules.ts';
import {
  APPOINTMENT_STATUSES,
  BOOKING_MODES,
  LIVE,
  PATIENT_KINDS,
} from '../src/modules/scheduling/tables.ts';
import { RULE_LIMITS } from '../src/modules/scheduling/visit-type-limits.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-03-08T06:59:59.500Z'); // the night New York springs forward

const whole = (limits: { min: number; max: number }) =>
  fc.integer({ min: limits.min, max: limits.max });

const rules = fc.record({
  active: fc.boolean(),
  booking: fc.constantFrom(...BOOKING_MODES),
  patients: fc.constantFrom(...PATIENT_KINDS),
  minLeadMinutes: whole(RULE_LIMITS.minLeadMinutes),
  maxDaysAhead: whole(RULE_LIMITS.maxDaysAhead),
  changeCutoffHours: whole(RULE_LIMITS.changeCutoffHours),
  maxFutureBookings: whole(RULE_LIMITS.maxFutureBookings),
});

/** An offset from now, often right at (or one millisecond around) a boundary the rules draw. */
const aheadOf = (boundaries: number[]) =>
  fc.oneof(
    fc.integer({ min: -DAY, max: 400 * DAY }),
    fc
      .tuple(fc.constantFrom(0, ...boundaries), fc.constantFrom(-1, 0, 1))
      .map(([at, nudge]) => at + nudge),
  );

const facts: fc.Arbitrary<BookingFacts> = rules.chain((r) =>
  fc.record({
    now: fc.constant(new Date(NOW)),
    startsAt: aheadOf([r.minLeadMinutes * MINUTE, r.maxDaysAhead * DAY]).map(
      (ms) => new Date(NOW + ms),
    ),
    rules: fc.constant(r),
    offered: fc.boolean(),
    taken: fc.boolean(),
    established: fc.boolean(),
    futureBookings: fc.oneof(
      fc.integer({ min: 0, max: 60 }),
      fc.constantFrom(r.maxFutureBookings - 1, r.maxFutureBookings),
    ),
    byStaff: fc.boolean(),
  }),
);

/** Each rule on its own, as the clinic states it: true when it refuses this booking. */
const SPEC: Record<Exclude<BookingRefusal, 'not_registered'>, (f: BookingFacts) => boolean> = {
  unavailable: (f) => !f.rules.active || !f.offered,
  slot_taken: (f) => f.taken,
  past: (f) => f.startsAt.getTime() <= f.now.getTime(),
  not_online: (f) => f.rules.booking === 'offline',
  new_patients_only: (f) => f.rules.patients === 'new' && f.established,
  established_patients_only: (f) => f.rules.patients === 'established' && !f.established,
  too_soon: (f) => f.startsAt.getTime() - f.now.getTime() < f.rules.minLeadMinutes * MINUTE,
  too_far_ahead: (f) => f.startsAt.getTime() - f.now.getTime() > f.rules.maxDaysAhead * DAY,
  too_many_bookings: (f) => f.futureBookings >= f.rules.maxFutureBookings,
};

/** Rules that bind staff too: the slot must exist, be free and be in the future. */
const BIND_STAFF = new Set<BookingRefusal>(['unavailable', 'slot_taken', 'past']);

/** Whether the patient is registered is checked before these facts (booking.ts): not a rule here. */
const ORDER = BOOKING_REFUSALS.filter((r): r is keyof typeof SPEC => r !== 'not_registered');

const failing = (f: BookingFacts) =>
  ORDER.filter((rule) => (!f.byStaff || BIND_STAFF.has(rule)) && SPEC[rule](f));

describe('bookingRefusal', () => {
  it('refuses exactly when a rule fails, naming the first in the documented order', () => {
    fc.assert(
      fc.property(facts, (f) => {
        expect(bookingRefusal(f)).toBe(failing(f)[0] ?? null);
      }),
      { numRuns: 5000 },
    );
  });

  it('allows a patient to book exactly at the lead time and exactly at the last day', () => {
    fc.assert(
      fc.property(rules, (r) => {
        const base = {
          now: new Date(NOW),
          rules: { ...r, active: true, booking: 'online' as const, patients: 'all' as const },
          offered: true,
          taken: false,
          established: false,
          futureBookings: r.maxFutureBookings - 1,
          byStaff: false,
        };
        const at = (ms: number) => bookingRefusal({ ...base, startsAt: new Date(NOW + ms) });
        const lead = Math.max(1, r.minLeadMinutes * MINUTE);
        const last = r.maxDaysAhead * DAY;
        if (r.minLeadMinutes > 0) expect(at(lead - 1)).toBe('too_soon');
        if (lead > last) return;
        expect(at(lead)).toBeNull();
        expect(at(last)).toBeNull();
        expect(at(last + 1)).toBe('too_far_ahead');
      }),
    );
  });

  it('lets staff book any free future slot, whatever the online rules say', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const staff = { ...f, byStaff: true };
        const expected = SPEC.unavailable(staff)
          ? 'unavailable'
          : SPEC.slot_taken(staff)
            ? 'slot_taken'
            : SPEC.past(staff)
              ? 'past'
              : null;
        expect(bookingRefusal(staff)).toBe(expected);
      }),
    );
  });

  it('makes a request for staff to approve only when a patient books a by-request visit', () => {
    fc.assert(
      fc.property(rules, fc.boolean(), (r, byStaff) => {
        expect(statusOnBooking(r, byStaff)).toBe(
          r.booking === 'request' && !byStaff ? 'requested' : 'confirming',
        );
      }),
    );
  });
});

const changeFacts = fc
  .record({
    status: fc.constantFrom(...APPOINTMENT_STATUSES),
    changeCutoffHours: whole(RULE_LIMITS.changeCutoffHours),
    byStaff: fc.boolean(),
  })
  .chain((f) =>
    fc.record({
      now: fc.constant(new Date(NOW)),
      startsAt: aheadOf([f.changeCutoffHours * HOUR]).map((ms) => new Date(NOW + ms)),
      status: fc.constant(f.status),
      changeCutoffHours: fc.constant(f.changeCutoffHours),
      byStaff: fc.constant(f.byStaff),
    }),
  );

describe('changeRefusal', () => {
  it('follows the spec: live, not yet arrived, upcoming; then the cut-off binds patients only', () => {
    fc.assert(
      fc.property(changeFacts, (f) => {
        const ahead = f.startsAt.getTime() - f.now.getTime();
        const changeable = LIVE.includes(f.status) && f.status !== 'arrived' && ahead > 0;
        const expected = !changeable
          ? 'not_changeable'
          : f.byStaff || f.status === 'requested' || ahead >= f.changeCutoffHours * HOUR
            ? null
            : 'too_late';
        expect(changeRefusal(f)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('closes for patients exactly at the cut-off, to the millisecond', () => {
    fc.assert(
      fc.property(whole({ min: 1, max: RULE_LIMITS.changeCutoffHours.max }), (hours) => {
        const at = (ms: number) =>
          changeRefusal({
            now: new Date(NOW),
            startsAt: new Date(NOW + ms),
            status: 'booked',
            changeCutoffHours: hours,
            byStaff: false,
          });
        expect(at(hours * HOUR)).toBeNull();
        expect(at(hours * HOUR - 1)).toBe('too_late');
        expect(at(1)).toBe('too_late');
      }),
    );
  });

  it('lets staff change a live appointment up to its start, and never after', () => {
    fc.assert(
      fc.property(changeFacts, (f) => {
        const refusal = changeRefusal({ ...f, byStaff: true });
        expect(refusal).not.toBe('too_late');
        if (f.startsAt.getTime() <= f.now.getTime()) expect(refusal).toBe('not_changeable');
      }),
    );
  });

  it('always lets a patient change a request waiting for staff before it starts', () => {
    fc.assert(
      fc.property(changeFacts, (f) => {
        const refusal = changeRefusal({ ...f, status: 'requested', byStaff: false });
        expect(refusal).toBe(f.startsAt.getTime() > f.now.getTime() ? null : 'not_changeable');
      }),
    );
  });
});
