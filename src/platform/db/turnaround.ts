// Turnaround figures for the clinic dashboards: hours between two timestamps
// of a row, their median and 90th percentile worked out by the database, and
// rounded for the API.
import { sql } from 'kysely';

export const hoursBetween = (start: string, end: string) =>
  sql<number>`extract(epoch from (${sql.ref(end)} - ${sql.ref(start)})) / 3600`;

/** `median` and `p90` columns of `hours`; null when no row counts. */
export const medianAndP90 = (hours: ReturnType<typeof hoursBetween>) =>
  [
    sql<number | null>`percentile_cont(0.5) within group (order by ${hours})`.as('median'),
    sql<number | null>`percentile_cont(0.9) within group (order by ${hours})`.as('p90'),
  ] as const;

/** Hours to two decimals; the drivers give numeric results as strings or numbers. */
export function roundedHours(v: number | string | null): number | null {
  return v === null ? null : Math.round(Number(v) * 100) / 100;
}
