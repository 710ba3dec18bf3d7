// The demo EHR's side of the three pilot clinics: an Organization and a
// Location per clinic, three clinicians each (Practitioner with an NPI,
// PractitionerRole) and a Schedule per clinician. Ids are fixed, so loading
// twice changes nothing. The people are fictional; the NPIs are valid in
// form (Luhn check digit) but belong to nobody.
import type {
  Location,
  Organization,
  Practitioner,
  PractitionerRole,
  Resource,
  Schedule,
} from '@medplum/fhirtypes';
import { demoClinics } from '../../modules/clinics/demo.ts';
import type { NewClinic } from '../../modules/clinics/model.ts';
import { CLINIC_SYSTEM } from '../identifiers.ts';

export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
/** Extension carrying a Location's IANA time zone (FHIR R5 core, usable in R4). */
export const TIMEZONE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/timezone';

export interface Clinician {
  key: string;
  clinic: string;
  prefix?: string;
  given: string;
  family: string;
  suffix: string;
  npi: string;
  role: 'doctor' | 'nurse';
  /** Minutes per appointment slot. */
  slotMinutes: 20 | 30;
  languages: string[];
}

export const clinicians: Clinician[] = [
  doctor('riverside-1', 'riverside', 'Elias', 'Brandt', '1999000114', ['en']),
  doctor('riverside-2', 'riverside', 'Naomi', 'Castellanos', '1999000122', ['en', 'es']),
  nurse('riverside-3', 'riverside', 'Grace', 'Oduya', '1999000130'),
  doctor('prairie-1', 'prairie', 'Helen', 'Park', '1999000148', ['en']),
  doctor('prairie-2', 'prairie', 'Mateo', 'Guerrero', '1999000155', ['en', 'es']),
  nurse('prairie-3', 'prairie', 'Ruth', 'Abernathy', '1999000163'),
  doctor('foothills-1', 'foothills', 'Lucía', 'Ramírez', '1999000171', ['es', 'en']),
  doctor('foothills-2', 'foothills', 'Aaron', 'Whitfield', '1999000189', ['en']),
  nurse('foothills-3', 'foothills', 'Ben', 'Tsosie', '1999000197'),
];

function doctor(
  key: string,
  clinic: string,
  given: string,
  family: string,
  npi: string,
  languages: string[],
): Clinician {
  return {
    key,
    clinic,
    prefix: 'Dr.',
    given,
    family,
    suffix: 'MD',
    npi,
    role: 'doctor',
    slotMinutes: 20,
    languages,
  };
}

function nurse(key: string, clinic: string, given: string, family: string, npi: string): Clinician {
  return {
    key,
    clinic,
    given,
    family,
    suffix: 'NP',
    npi,
    role: 'nurse',
    slotMinutes: 30,
    languages: ['en'],
  };
}

export const organizationId = (clinic: string) => `clinic-${clinic}`;
export const locationId = (clinic: string) => `location-${clinic}`;
export const practitionerId = (c: Clinician) => `practitioner-${c.key}`;
export const scheduleId = (c: Clinician) => `schedule-${c.key}`;

export function demoClinic(slug: string): NewClinic {
  const clinic = demoClinics.find((c) => c.slug === slug);
  if (!clinic) throw new Error(`no demo clinic ${slug}`);
  return clinic;
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const FAMILY_MEDICINE = {
  coding: [{ system: 'http://snomed.info/sct', code: '419772000', display: 'Family practice' }],
};

/** Every directory resource of every demo clinic. */
export function directoryResources(): Resource[] {
  const out: Resource[] = [];
  for (const clinic of demoClinics) out.push(organization(clinic), location(clinic));
  for (const c of clinicians) out.push(practitioner(c), practitionerRole(c), schedule(c));
  return out;
}

function address(clinic: NewClinic) {
  const a = clinic.address;
  return {
    line: [a.line1, ...(a.line2 ? [a.line2] : [])],
    city: a.city,
    state: a.state,
    postalCode: a.postalCode,
    country: 'US',
  };
}

function organization(clinic: NewClinic): Organization {
  return {
    resourceType: 'Organization',
    id: organizationId(clinic.slug),
    identifier: [{ system: CLINIC_SYSTEM, value: clinic.slug }],
    active: true,
    type: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/organization-type',
            code: 'prov',
            display: 'Healthcare Provider',
          },
        ],
      },
    ],
    name: clinic.name,
    telecom: [{ system: 'phone', value: clinic.phone, use: 'work' }],
    address: [address(clinic)],
  };
}

function location(clinic: NewClinic): Location {
  return {
    resourceType: 'Location',
    id: locationId(clinic.slug),
    extension: [{ url: TIMEZONE_EXTENSION, valueCode: clinic.timeZone }],
    identifier: [{ system: CLINIC_SYSTEM, value: clinic.slug }],
    status: 'active',
    name: clinic.name,
    mode: 'instance',
    telecom: [{ system: 'phone', value: clinic.phone, use: 'work' }],
    address: address(clinic),
    managingOrganization: { reference: `Organization/${organizationId(clinic.slug)}` },
    hoursOfOperation: clinic.hours.map((h) => ({
      daysOfWeek: [DAYS[h.weekday - 1] as (typeof DAYS)[number]],
      openingTime: `${h.opens}:00`,
      closingTime: `${h.closes}:00`,
    })),
  };
}

export function clinicianName(c: Clinician): string {
  return [c.prefix, c.given, c.family].filter(Boolean).join(' ');
}

function practitioner(c: Clinician): Practitioner {
  return {
    resourceType: 'Practitioner',
    id: practitionerId(c),
    identifier: [{ system: NPI_SYSTEM, value: c.npi }],
    active: true,
    name: [
      {
        use: 'official',
        family: c.family,
        given: [c.given],
        ...(c.prefix ? { prefix: [c.prefix] } : {}),
        suffix: [c.suffix],
      },
    ],
    telecom: [{ system: 'phone', value: demoClinic(c.clinic).phone, use: 'work' }],
    communication: c.languages.map((code) => ({
      coding: [{ system: 'urn:ietf:bcp:47', code }],
    })),
  };
}

function practitionerRole(c: Clinician): PractitionerRole {
  const clinic = demoClinic(c.clinic);
  return {
    resourceType: 'PractitionerRole',
    id: `role-${c.key}`,
    active: true,
    practitioner: { reference: `Practitioner/${practitionerId(c)}`, display: clinicianName(c) },
    organization: { reference: `Organization/${organizationId(c.clinic)}`, display: clinic.name },
    location: [{ reference: `Location/${locationId(c.clinic)}`, display: clinic.name }],
    code: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/practitioner-role',
            code: c.role,
            display: c.role === 'doctor' ? 'Doctor' : 'Nurse',
          },
        ],
      },
    ],
    specialty: [FAMILY_MEDICINE],
    availableTime: clinic.hours.map((h) => ({
      daysOfWeek: [DAYS[h.weekday - 1] as (typeof DAYS)[number]],
      availableStartTime: `${h.opens}:00`,
      availableEndTime: `${h.closes}:00`,
    })),
  };
}

function schedule(c: Clinician): Schedule {
  const clinic = demoClinic(c.clinic);
  return {
    resourceType: 'Schedule',
    id: scheduleId(c),
    active: true,
    serviceType: [{ text: 'Office visit' }],
    specialty: [FAMILY_MEDICINE],
    actor: [
      { reference: `Practitioner/${practitionerId(c)}`, display: clinicianName(c) },
      { reference: `Location/${locationId(c.clinic)}`, display: clinic.name },
    ],
    comment: `${c.slotMinutes}-minute visits`,
  };
}
