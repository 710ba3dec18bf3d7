// Pharmacy facts for the demo EHR's prescriptions, which Synthea leaves out:
// each active MedicationRequest gets a dispenseRequest (refills allowed,
// quantity, days of supply) and the MedicationDispenses of its fills, dated
// back from today so that some are due now, some too soon and some have no
// refills left. Chosen from a hash of the prescription's id: the same on
// every load. The demo patient also gets one prescription of each kind the
// refill rules tell apart (schedule II, schedule IV, due, renewal, too soon).
import type {
  MedicationDispense,
  MedicationRequest,
  Patient,
  Practitioner,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { ACCOUNT_HOLDER_MRN } from '../../modules/accounts/demo.ts';
import { addDays, ymd } from '../../platform/time/zoned-time.ts';
import { clinicianName, clinicians, practitionerId } from './directory.ts';

const RXNORM_SYSTEM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** How one prescription has been filled so far. */
export interface FillPlan {
  refillsAllowed: number;
  /** Completed dispenses, the first fill included (at least 1). */
  fills: number;
  supplyDays: 30 | 90;
  /** Days from the latest fill to today. */
  lastFillDaysAgo: number;
}

/** The demo patient's showcase prescriptions: one per case the refill rules tell apart. */
export const SHOWCASE: { key: string; rxnorm: string; name: string; plan: FillPlan }[] = [
  {
    key: 'oxycodone', // schedule II: never online, no refills by law
    rxnorm: '1049621',
    name: 'oxycodone hydrochloride 5 MG Oral Tablet',
    plan: { refillsAllowed: 0, fills: 1, supplyDays: 30, lastFillDaysAgo: 26 },
  },
  {
    key: 'zolpidem', // schedule IV: by request for the prescriber
    rxnorm: '854873',
    name: 'zolpidem tartrate 10 MG Oral Tablet',
    plan: { refillsAllowed: 5, fills: 2, supplyDays: 30, lastFillDaysAgo: 25 },
  },
  {
    key: 'lisinopril', // maintenance, refills left, due now
    rxnorm: '314076',
    name: 'lisinopril 10 MG Oral Tablet',
    plan: { refillsAllowed: 3, fills: 2, supplyDays: 30, lastFillDaysAgo: 27 },
  },
  {
    key: 'simvastatin', // no refills left: a renewal
    rxnorm: '312961',
    name: 'Simvastatin 20 MG Oral Tablet',
    plan: { refillsAllowed: 1, fills: 2, supplyDays: 90, lastFillDaysAgo: 86 },
  },
  {
    key: 'amlodipine', // filled ten days ago for 90 days: too soon
    rxnorm: '197361',
    name: 'Amlodipine 5 MG Oral Tablet',
    plan: { refillsAllowed: 5, fills: 1, supplyDays: 90, lastFillDaysAgo: 10 },
  },
];

export const showcaseId = (key: string) => `demo-rx-${key}`;

/**
 * Adds the fills to `resources` (one patient's, dates already moved):
 * changes the active prescriptions in place and returns the resources to
 * add (the showcase prescriptions and every dispense).
 */
export function addFills(
  resources: Resource[],
  mrns: Record<string, string>,
  now: Date,
): Resource[] {
  const patient = resources.find((r): r is Patient => r.resourceType === 'Patient');
  if (!patient?.id) return [];
  const today = ymd(now.getTime());
  const prescriber = familyDoctor(patient);
  const added: Resource[] = [];
  const active = resources.filter(
    (r): r is MedicationRequest => r.resourceType === 'MedicationRequest' && r.status === 'active',
  );
  if (Object.values(mrns).includes(ACCOUNT_HOLDER_MRN)) {
    for (const s of SHOWCASE) {
      const order = showcaseOrder(patient.id, s, prescriber, today);
      added.push(order);
      added.push(...fill(order, s.plan, today));
    }
  }
  for (const order of active) {
    if (prescriber) order.requester = prescriber;
    added.push(...fill(order, planFor(order.id as string), today));
  }
  return added;
}

/** A plan from the prescription's id: some without refills, 30 or 90 days, due or not. */
export function planFor(id: string): FillPlan {
  const h = hash(id);
  const supplyDays = h % 3 === 0 ? 90 : 30;
  const refillsAllowed = (h >>> 2) % 6;
  const fills = 1 + ((h >>> 5) % (refillsAllowed + 1));
  const lastFillDaysAgo = 2 + ((h >>> 9) % (supplyDays + 10));
  return { refillsAllowed, fills, supplyDays, lastFillDaysAgo };
}

/** Sets the dispenseRequest and returns the dispenses, latest `lastFillDaysAgo` ago. */
function fill(order: MedicationRequest, plan: FillPlan, today: string): MedicationDispense[] {
  const quantity = quantityFor(order, plan.supplyDays);
  order.dispenseRequest = {
    numberOfRepeatsAllowed: plan.refillsAllowed,
    quantity,
    expectedSupplyDuration: days(plan.supplyDays),
  };
  const out: MedicationDispense[] = [];
  for (let n = 0; n < plan.fills; n++) {
    const ago = plan.lastFillDaysAgo + (plan.fills - 1 - n) * plan.supplyDays;
    out.push({
      resourceType: 'MedicationDispense',
      id: `fill-${order.id}-${n + 1}`,
      status: 'completed',
      ...(order.medicationReference
        ? { medicationReference: order.medicationReference }
        : { medicationCodeableConcept: order.medicationCodeableConcept }),
      subject: order.subject,
      authorizingPrescription: [{ reference: `MedicationRequest/${order.id}` }],
      quantity,
      daysSupply: days(plan.supplyDays),
      whenHandedOver: addDays(today, -ago),
    });
  }
  return out;
}

function showcaseOrder(
  patientId: string,
  s: (typeof SHOWCASE)[number],
  prescriber: Reference<Practitioner> | undefined,
  today: string,
): MedicationRequest {
  const firstFill = s.plan.lastFillDaysAgo + (s.plan.fills - 1) * s.plan.supplyDays;
  return {
    resourceType: 'MedicationRequest',
    id: showcaseId(s.key),
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: {
      coding: [{ system: RXNORM_SYSTEM, code: s.rxnorm, display: s.name }],
      text: s.name,
    },
    subject: { reference: `Patient/${patientId}` },
    authoredOn: addDays(today, -firstFill - 1),
    ...(prescriber && { requester: prescriber }),
    dosageInstruction: [
      {
        sequence: 1,
        timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
        asNeededBoolean: s.key === 'oxycodone' || s.key === 'zolpidem',
        doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
      },
    ],
  };
}

/** The patient's family doctor at the demo clinic, as the prescriber. */
function familyDoctor(patient: Patient): Reference<Practitioner> | undefined {
  const ref = patient.generalPractitioner?.[0]?.reference;
  const doctor = clinicians.find((c) => `Practitioner/${practitionerId(c)}` === ref);
  return doctor && { reference: ref, display: clinicianName(doctor) };
}

/** A tablet a day; anything else (inhaler, injection, pack) one package per fill. */
function quantityFor(order: MedicationRequest, supplyDays: number) {
  const name = order.medicationCodeableConcept?.text ?? '';
  return /tablet|capsule/i.test(name)
    ? { value: supplyDays, unit: 'tablet' }
    : { value: 1, unit: 'package' };
}

const days = (value: number) => ({
  value,
  unit: 'days',
  system: 'http://unitsofmeasure.org',
  code: 'd',
});

/** FNV-1a: a stable number from a string. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
