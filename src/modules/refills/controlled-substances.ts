// US DEA controlled substances, schedules II–V, as RxNorm codes.
//
// Source: the DEA's schedules (21 CFR 1308.12 schedule II, 1308.13 III,
// 1308.14 IV, 1308.15 V; https://www.deadiversion.usdoj.gov/schedules/) with
// RxNorm RXCUIs from RxNav (https://mor.nlm.nih.gov/RxNav/). Clinical drug
// (SCD) codes were cross-checked against the VSAC eCQM value sets "Opioids"
// (2.16.840.1.113762.1.4.1248.120), "Central Nervous System Depressants"
// (…1248.134) and "ADHD Medications" (2.16.840.1.113883.3.464.1003.196.12.1171).
//
// To update: when the DEA schedules or reschedules a drug (Federal Register
// final rule), add its ingredient (TTY=IN) and the common clinical drugs
// (TTY=SCD, RxNav "Related" tab) with the schedule, and a name below if the
// EHR may send it uncoded. Never remove an entry without the DEA rule that
// descheduled it. controlled.ts also matches names, so a missing SCD code
// is caught by its ingredient's name; a missing ingredient is not.
//
// Codeine is scheduled by preparation: alone II, combined (≤ 90 mg a unit)
// III, cough syrups (≤ 200 mg/100 mL) V; diphenoxylate is prescribed only
// with atropine (V). Hydrocodone combinations are II since 2014.

export type Schedule = 2 | 3 | 4 | 5;

export interface ControlledCode {
  rxcui: string;
  name: string;
  tty: 'IN' | 'SCD';
  schedule: Schedule;
  /** For an ingredient scheduled by preparation: combined with others … */
  combined?: Schedule;
  /** … and combined in a liquid. */
  liquidCombined?: Schedule;
}

const IN = (rxcui: string, name: string, schedule: Schedule, more: Partial<ControlledCode> = {}) =>
  ({ rxcui, name, tty: 'IN', schedule, ...more }) as const satisfies ControlledCode;
const SCD = (schedule: Schedule, drugs: Record<string, string>): ControlledCode[] =>
  Object.entries(drugs).map(([rxcui, name]) => ({ rxcui, name, tty: 'SCD', schedule }));

export const CONTROLLED_CODES: readonly ControlledCode[] = [
  // Schedule II (21 CFR 1308.12)
  IN('7804', 'oxycodone', 2),
  IN('5489', 'hydrocodone', 2),
  IN('7052', 'morphine', 2),
  IN('3423', 'hydromorphone', 2),
  IN('4337', 'fentanyl', 2),
  IN('6813', 'methadone', 2),
  IN('7814', 'oxymorphone', 2),
  IN('6754', 'meperidine', 2),
  IN('787390', 'tapentadol', 2),
  IN('725', 'amphetamine', 2),
  IN('3288', 'dextroamphetamine', 2),
  IN('6901', 'methylphenidate', 2),
  IN('700810', 'lisdexamfetamine', 2),
  IN('2670', 'codeine', 2, { combined: 3, liquidCombined: 5 }),
  ...SCD(2, {
    '1049621': 'oxycodone hydrochloride 5 MG Oral Tablet',
    '1049683': 'oxycodone hydrochloride 10 MG Oral Tablet',
    '1049611': 'oxycodone hydrochloride 15 MG Oral Tablet',
    '1049618': 'oxycodone hydrochloride 30 MG Oral Tablet',
    '1049604': 'oxycodone hydrochloride 1 MG/ML Oral Solution',
    '1049502': '12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet',
    '1049221': 'acetaminophen 325 MG / oxycodone hydrochloride 5 MG Oral Tablet',
    '1049225': 'acetaminophen 325 MG / oxycodone hydrochloride 7.5 MG Oral Tablet',
    '1049214': 'acetaminophen 325 MG / oxycodone hydrochloride 10 MG Oral Tablet',
    '857002': 'acetaminophen 325 MG / hydrocodone bitartrate 5 MG Oral Tablet',
    '857005': 'acetaminophen 325 MG / hydrocodone bitartrate 7.5 MG Oral Tablet',
    '856999': 'acetaminophen 325 MG / hydrocodone bitartrate 10 MG Oral Tablet',
    '856987': 'acetaminophen 300 MG / hydrocodone bitartrate 5 MG Oral Tablet',
    '858778': 'hydrocodone bitartrate 5 MG / ibuprofen 200 MG Oral Tablet',
    '892582': 'morphine sulfate 15 MG Oral Tablet',
    '892672': 'morphine sulfate 30 MG Oral Tablet',
    '891881': 'morphine sulfate 15 MG Extended Release Oral Tablet',
    '891888': 'morphine sulfate 30 MG Extended Release Oral Tablet',
    '894780': 'morphine sulfate 4 MG/ML Oral Solution',
    '897696': 'hydromorphone hydrochloride 2 MG Oral Tablet',
    '897702': 'hydromorphone hydrochloride 4 MG Oral Tablet',
    '897710': 'hydromorphone hydrochloride 8 MG Oral Tablet',
    '245134': '72 HR fentanyl 0.025 MG/HR Transdermal System',
    '245135': '72 HR fentanyl 0.05 MG/HR Transdermal System',
    '197696': '72 HR fentanyl 0.075 MG/HR Transdermal System',
    '245136': '72 HR fentanyl 0.1 MG/HR Transdermal System',
    '864718': 'methadone hydrochloride 5 MG Oral Tablet',
    '864706': 'methadone hydrochloride 10 MG Oral Tablet',
    '864761': 'methadone hydrochloride 1 MG/ML Oral Solution',
    '825411': 'tapentadol 50 MG Oral Tablet',
    '825413': 'tapentadol 75 MG Oral Tablet',
    '825409': 'tapentadol 100 MG Oral Tablet',
    '861467': 'meperidine hydrochloride 50 MG Oral Tablet',
    '577961':
      'amphetamine aspartate 5 MG / amphetamine sulfate 5 MG / dextroamphetamine saccharate 5 MG / dextroamphetamine sulfate 5 MG Oral Tablet',
    '541363':
      'amphetamine aspartate 7.5 MG / amphetamine sulfate 7.5 MG / dextroamphetamine saccharate 7.5 MG / dextroamphetamine sulfate 7.5 MG Oral Tablet',
    '861225':
      '24 HR amphetamine aspartate 5 MG / amphetamine sulfate 5 MG / dextroamphetamine saccharate 5 MG / dextroamphetamine sulfate 5 MG Extended Release Oral Capsule',
    '884386': 'dextroamphetamine sulfate 5 MG Oral Tablet',
    '884385': 'dextroamphetamine sulfate 10 MG Oral Tablet',
    '1091497': 'methylphenidate hydrochloride 5 MG Oral Tablet',
    '1091150': 'methylphenidate hydrochloride 10 MG Oral Tablet',
    '1091392': 'methylphenidate hydrochloride 20 MG Oral Tablet',
    '1091155': '24 HR methylphenidate hydrochloride 18 MG Extended Release Oral Tablet',
    '1091185': '24 HR methylphenidate hydrochloride 36 MG Extended Release Oral Tablet',
    '854830': 'lisdexamfetamine dimesylate 20 MG Oral Capsule',
    '854834': 'lisdexamfetamine dimesylate 30 MG Oral Capsule',
    '854838': 'lisdexamfetamine dimesylate 40 MG Oral Capsule',
    '854850': 'lisdexamfetamine dimesylate 50 MG Oral Capsule',
    '854846': 'lisdexamfetamine dimesylate 60 MG Oral Capsule',
    '854842': 'lisdexamfetamine dimesylate 70 MG Oral Capsule',
  }),

  // Schedule III (21 CFR 1308.13)
  IN('1819', 'buprenorphine', 3),
  IN('10379', 'testosterone', 3),
  IN('6130', 'ketamine', 3),
  ...SCD(3, {
    '351264': 'buprenorphine 2 MG Sublingual Tablet',
    '351265': 'buprenorphine 8 MG Sublingual Tablet',
    '351266': 'buprenorphine 2 MG / naloxone 0.5 MG Sublingual Tablet',
    '351267': 'buprenorphine 8 MG / naloxone 2 MG Sublingual Tablet',
    '1010600': 'buprenorphine 2 MG / naloxone 0.5 MG Sublingual Film',
    '1010604': 'buprenorphine 8 MG / naloxone 2 MG Sublingual Film',
    '993781': 'acetaminophen 300 MG / codeine phosphate 30 MG Oral Tablet',
    '993890': 'acetaminophen 300 MG / codeine phosphate 60 MG Oral Tablet',
    '993943':
      'acetaminophen 325 MG / butalbital 50 MG / caffeine 40 MG / codeine phosphate 30 MG Oral Capsule',
    '1431286':
      'acetaminophen 300 MG / butalbital 50 MG / caffeine 40 MG / codeine phosphate 30 MG Oral Capsule',
    '994237':
      'aspirin 325 MG / butalbital 50 MG / caffeine 40 MG / codeine phosphate 30 MG Oral Capsule',
    '1812164':
      'acetaminophen 325 MG / caffeine 30 MG / dihydrocodeine bitartrate 16 MG Oral Tablet',
  }),

  // Schedule IV (21 CFR 1308.14)
  IN('596', 'alprazolam', 4),
  IN('6470', 'lorazepam', 4),
  IN('3322', 'diazepam', 4),
  IN('2598', 'clonazepam', 4),
  IN('39993', 'zolpidem', 4),
  IN('10689', 'tramadol', 4),
  IN('2101', 'carisoprodol', 4),
  IN('8134', 'phenobarbital', 4),
  IN('30125', 'modafinil', 4),
  IN('10355', 'temazepam', 4),
  IN('6960', 'midazolam', 4),
  IN('7781', 'oxazepam', 4),
  IN('21241', 'clobazam', 4),
  ...SCD(4, {
    '308047': 'alprazolam 0.25 MG Oral Tablet',
    '308048': 'alprazolam 0.5 MG Oral Tablet',
    '197321': 'alprazolam 1 MG Oral Tablet',
    '197322': 'alprazolam 2 MG Oral Tablet',
    '433798': '24 HR alprazolam 0.5 MG Extended Release Oral Tablet',
    '197900': 'lorazepam 0.5 MG Oral Tablet',
    '197901': 'lorazepam 1 MG Oral Tablet',
    '197902': 'lorazepam 2 MG Oral Tablet',
    '197590': 'diazepam 2 MG Oral Tablet',
    '197591': 'diazepam 5 MG Oral Tablet',
    '197589': 'diazepam 10 MG Oral Tablet',
    '197527': 'clonazepam 0.5 MG Oral Tablet',
    '197528': 'clonazepam 1 MG Oral Tablet',
    '197529': 'clonazepam 2 MG Oral Tablet',
    '854876': 'zolpidem tartrate 5 MG Oral Tablet',
    '854873': 'zolpidem tartrate 10 MG Oral Tablet',
    '854894': 'zolpidem tartrate 6.25 MG Extended Release Oral Tablet',
    '854880': 'zolpidem tartrate 12.5 MG Extended Release Oral Tablet',
    '835603': 'tramadol hydrochloride 50 MG Oral Tablet',
    '2179635': 'tramadol hydrochloride 100 MG Oral Tablet',
    '836395': 'acetaminophen 325 MG / tramadol hydrochloride 37.5 MG Oral Tablet',
    '312357': 'phenobarbital 15 MG Oral Tablet',
    '312362': 'phenobarbital 30 MG Oral Tablet',
    '199167': 'phenobarbital 32.4 MG Oral Tablet',
    '198089': 'phenobarbital 60 MG Oral Tablet',
    '198241': 'temazepam 15 MG Oral Capsule',
    '198242': 'temazepam 30 MG Oral Capsule',
    '198317': 'triazolam 0.125 MG Oral Tablet',
    '198318': 'triazolam 0.25 MG Oral Tablet',
    '905516': 'chlordiazepoxide hydrochloride 5 MG Oral Capsule',
    '905369': 'chlordiazepoxide hydrochloride 10 MG Oral Capsule',
    '905495': 'chlordiazepoxide hydrochloride 25 MG Oral Capsule',
    '485440': 'eszopiclone 1 MG Oral Tablet',
    '485442': 'eszopiclone 2 MG Oral Tablet',
    '485465': 'eszopiclone 3 MG Oral Tablet',
    '313762': 'zaleplon 5 MG Oral Capsule',
    '313761': 'zaleplon 10 MG Oral Capsule',
    '1547104': 'suvorexant 10 MG Oral Tablet',
    '1547116': 'suvorexant 20 MG Oral Tablet',
  }),

  // Schedule V (21 CFR 1308.15)
  IN('187832', 'pregabalin', 5),
  IN('623404', 'lacosamide', 5),
  IN('3500', 'diphenoxylate', 5),
  ...SCD(5, {
    '483448': 'pregabalin 50 MG Oral Capsule',
    '483450': 'pregabalin 75 MG Oral Capsule',
    '483438': 'pregabalin 100 MG Oral Capsule',
    '483440': 'pregabalin 150 MG Oral Capsule',
    '483446': 'pregabalin 200 MG Oral Capsule',
    '483444': 'pregabalin 300 MG Oral Capsule',
    '810000': 'lacosamide 50 MG Oral Tablet',
    '809987': 'lacosamide 100 MG Oral Tablet',
    '809992': 'lacosamide 150 MG Oral Tablet',
    '809996': 'lacosamide 200 MG Oral Tablet',
    '993856': 'lacosamide 10 MG/ML Oral Solution',
    '1114026': 'codeine phosphate 1.6 MG/ML / guaifenesin 40 MG/ML Oral Solution',
    '1792707':
      'codeine phosphate 2 MG/ML / guaifenesin 40 MG/ML / pseudoephedrine hydrochloride 6 MG/ML Oral Solution',
  }),
];

/**
 * Further names (ingredients without a listed code, and brands) looked for
 * as words in an uncoded or unlisted medication's text.
 */
export const CONTROLLED_NAMES: readonly { name: string; schedule: Schedule }[] = [
  ...[
    'oxycontin',
    'percocet',
    'roxicodone',
    'norco',
    'vicodin',
    'dilaudid',
    'duragesic',
    'adderall',
    'ritalin',
    'concerta',
    'vyvanse',
    'dexmethylphenidate',
    'focalin',
    'methamphetamine',
    'levorphanol',
    'cocaine',
    'opium',
  ].map((name) => ({ name, schedule: 2 as const })),
  ...[
    'dihydrocodeine',
    'suboxone',
    'subutex',
    'esketamine',
    'nandrolone',
    'oxandrolone',
    'oxymetholone',
    'methyltestosterone',
    'stanozolol',
    'androgel',
    'dronabinol',
    'benzphetamine',
    'phendimetrazine',
  ].map((name) => ({ name, schedule: 3 as const })),
  ...[
    'xanax',
    'ativan',
    'valium',
    'klonopin',
    'ambien',
    'ultram',
    'soma',
    'provigil',
    'armodafinil',
    'triazolam',
    'chlordiazepoxide',
    'clorazepate',
    'estazolam',
    'flurazepam',
    'eszopiclone',
    'zaleplon',
    'suvorexant',
    'phentermine',
    'butorphanol',
  ].map((name) => ({ name, schedule: 4 as const })),
  ...['lyrica', 'vimpat', 'lomotil', 'cenobamate', 'brivaracetam'].map((name) => ({
    name,
    schedule: 5 as const,
  })),
];
