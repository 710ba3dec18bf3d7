// The limits of a visit type's booking rules, as the visit_types table's
// CHECKs have them (migration 0009). Free of imports, so the server's
// validation and the admin page's form share one copy.

export const RULE_LIMITS = {
  minLeadMinutes: { min: 0, max: 43_200 },
  maxDaysAhead: { min: 1, max: 365 },
  changeCutoffHours: { min: 0, max: 336 },
  maxFutureBookings: { min: 1, max: 50 },
} as const;
export type RuleNumber = keyof typeof RULE_LIMITS;
export const RULE_NUMBERS = Object.keys(RULE_LIMITS) as RuleNumber[];

/** Lower-case letters, digits and hyphens, 2 to 40 long, not starting with a hyphen. */
export const VISIT_CODE_PATTERN = '^[a-z0-9][a-z0-9-]{1,39}$';
export const VISIT_NAME_MAX = 100;

/**
 * Whether any time can be booked online: the far end of the window (days
 * ahead) must lie beyond the lead time, or every time is too soon or too far.
 */
export const windowIsOpen = (r: { minLeadMinutes: number; maxDaysAhead: number }) =>
  r.maxDaysAhead * 24 * 60 > r.minLeadMinutes;
