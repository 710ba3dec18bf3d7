// The portal's demo patients are the demo EHR's: found through the gateway
// (over HTTP, as any EHR) by the clinics' MRN systems, with demographics as
// the EHR has them. E-mail stays empty: demo mail must reach no one.
import type { Patient } from '@medplum/fhirtypes';
import type { Config } from '../../config.ts';
import type { DemoPatient } from '../../modules/accounts/demo.ts';
import { demoClinics } from '../../modules/clinics/demo.ts';
import { createGateway } from '../gateway/fhir-client.ts';
import type { EhrGateway } from '../gateway/gateway.ts';
import { mrnSystem } from '../identifiers.ts';
import { type DemoEhrLog, startDemoEhr } from './server.ts';

const MRN_PREFIX = mrnSystem('');

/** Every EHR patient with an MRN at a demo clinic, as a demo person. */
export async function demoPatientsFromEhr(
  gateway: Pick<EhrGateway, 'search'>,
  clinics: string[] = demoClinics.map((c) => c.slug),
): Promise<DemoPatient[]> {
  const found = await gateway.search<Patient>('Patient', {
    identifier: clinics.map((slug) => `${mrnSystem(slug)}|`).join(','),
  });
  return found.flatMap((p) => {
    const person = asDemoPatient(p, clinics);
    return person ? [person] : [];
  });
}

export function asDemoPatient(p: Patient, clinics: string[]): DemoPatient | undefined {
  const name = p.name?.find((n) => n.use === 'official') ?? p.name?.[0];
  const given = name?.given?.join(' ');
  const mrns: Record<string, string> = {};
  for (const i of p.identifier ?? []) {
    const slug = i.system?.startsWith(MRN_PREFIX) ? i.system.slice(MRN_PREFIX.length) : undefined;
    if (slug && i.value && clinics.includes(slug) && !mrns[slug]) mrns[slug] = i.value;
  }
  if (!p.id || !given || !name?.family || !p.birthDate || Object.keys(mrns).length === 0)
    return undefined;
  const language = p.communication?.[0]?.language.coding?.[0]?.code ?? '';
  return {
    given,
    family: name.family,
    birthDate: p.birthDate,
    email: null,
    phone: p.telecom?.find((t) => t.system === 'phone')?.value ?? null,
    language: language.startsWith('es') ? 'es' : 'en',
    mrns,
    ehrPatientId: p.id,
  };
}

/**
 * For `portal seed --demo`: the demo EHR's patients, read from a demo EHR
 * started for the purpose; undefined when a real EHR is configured.
 */
export async function demoEhrPeople(
  config: Pick<Config, 'dataDir' | 'ehr'>,
  log: DemoEhrLog,
): Promise<DemoPatient[] | undefined> {
  if (config.ehr.baseUrl) return undefined;
  const ehr = await startDemoEhr({ dataDir: config.dataDir, log });
  try {
    return await demoPatientsFromEhr(createGateway(config.ehr, { baseUrl: ehr.baseUrl }));
  } finally {
    await ehr.close();
  }
}
