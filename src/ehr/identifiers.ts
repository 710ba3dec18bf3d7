// Identifier systems the portal uses with every EHR: a clinic's MRNs are
// recorded on the EHR Patient under that clinic's own system, named by its slug.

/** The MRN identifier system of a clinic, by its slug. */
export const mrnSystem = (clinic: string) => `urn:patient-portal:mrn:${clinic}`;

/** The patient's MRN at the clinic, if the EHR Patient carries one. */
export function mrnAt(
  patient: { identifier?: { system?: string; value?: string }[] },
  clinicSlug: string,
): string | null {
  const system = mrnSystem(clinicSlug);
  return patient.identifier?.find((i) => i.system === system && i.value)?.value ?? null;
}

/** A clinic's Organization and Location in the EHR carry its slug under this system. */
export const CLINIC_SYSTEM = 'urn:patient-portal:clinic';
