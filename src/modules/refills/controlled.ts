// Whether a medication is a DEA-controlled substance, and its schedule.
// The code decides first; the medication's text is the second line of
// defence, because an EHR may send a drug uncoded or with a code the list
// lacks, and a controlled drug missed is the dangerous error.
import { CONTROLLED_CODES, CONTROLLED_NAMES, type Schedule } from './controlled-substances.ts';

export type { Schedule } from './controlled-substances.ts';

const byCode = new Map(CONTROLLED_CODES.map((c) => [c.rxcui, c.schedule]));

interface NameRule {
  word: RegExp;
  schedule: Schedule;
  combined?: Schedule;
  liquidCombined?: Schedule;
}

const asWord = (name: string) =>
  new RegExp(`\\b${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+')}\\b`, 'i');

const byName: NameRule[] = [
  ...CONTROLLED_CODES.filter((c) => c.tty === 'IN').map((c) => ({
    word: asWord(c.name),
    schedule: c.schedule,
    combined: c.combined,
    liquidCombined: c.liquidCombined,
  })),
  ...CONTROLLED_NAMES.map((n) => ({ word: asWord(n.name), schedule: n.schedule })),
];

/** RxNorm writes the ingredients of a combination with " / " between them. */
const COMBINED = /\s\/\s/;
const LIQUID = /\b(solution|syrup|elixir|suspension|liquid)\b|\/\s*ml\b/i;

function nameSchedule(rule: NameRule, name: string): Schedule {
  if (!COMBINED.test(name)) return rule.schedule;
  if (LIQUID.test(name)) return rule.liquidCombined ?? rule.combined ?? rule.schedule;
  return rule.combined ?? rule.schedule;
}

/** The DEA schedule (2–5) of a medication, or null when it is not controlled. */
export function controlledSchedule(m: {
  rxnormCode: string | null;
  name: string;
}): Schedule | null {
  const listed = m.rxnormCode ? byCode.get(m.rxnormCode.trim()) : undefined;
  if (listed) return listed;
  // By name, the strictest schedule any named ingredient has in this preparation.
  let strictest: Schedule | null = null;
  for (const rule of byName) {
    if (!rule.word.test(m.name)) continue;
    const schedule = nameSchedule(rule, m.name);
    if (strictest === null || schedule < strictest) strictest = schedule;
  }
  return strictest;
}
