import { describe, expect, test } from 'vitest';
import { homePath, navItems, type RoleGrant } from './roles.ts';

const as = (...roles: RoleGrant['role'][]): RoleGrant[] =>
  roles.map((role) => ({ role, clinicId: null }));
const keys = (grants: RoleGrant[]) => navItems(grants).map((i) => i.key);

describe('navigation by role', () => {
  test('each role sees its own areas, and Account', () => {
    // Caregivers (proxies) write for the patient they act for, as patients do.
    const patient = ['home', 'appointments', 'medications', 'messages', 'account'];
    expect(keys(as('patient'))).toEqual(patient);
    expect(keys(as('proxy'))).toEqual(patient);
    // The front desk's schedule, then the check-ins to review.
    const schedule = ['schedule', 'requests', 'checkIns'];
    // Everyone who works a message pool has the inbox, next to the patients.
    expect(keys(as('front_desk'))).toEqual(['patients', 'inbox', ...schedule, 'account']);
    // Nurses, providers and clinic admins also review refill requests; the front desk does not.
    expect(keys(as('nurse'))).toEqual(['patients', 'inbox', ...schedule, 'refills', 'account']);
    expect(keys(as('provider'))).toEqual(['patients', 'inbox', ...schedule, 'refills', 'account']);
    const desk = ['discrepancies', 'outbox'];
    expect(keys(as('clinic_admin'))).toEqual([
      'patients',
      'inbox',
      ...schedule,
      'refills',
      'lockedAccounts',
      'visitTypes',
      'refillSettings',
      'messageTemplates',
      ...desk,
      'account',
    ]);
    // The support desk helps with accounts, not with clinical check-in answers.
    expect(keys(as('support_agent'))).toEqual([
      'patients',
      'inbox',
      'lockedAccounts',
      ...desk,
      'account',
    ]);
    expect(keys(as('compliance_officer'))).toEqual(['audit', 'account']);
    expect(keys(as('system_admin'))).toEqual([
      'lockedAccounts',
      'mailbox',
      'visitTypes',
      'refillSettings',
      ...desk,
      'account',
    ]);
  });

  test('several roles add up, without duplicates', () => {
    expect(keys(as('nurse', 'provider', 'compliance_officer'))).toEqual([
      'patients',
      'inbox',
      'schedule',
      'requests',
      'checkIns',
      'refills',
      'audit',
      'account',
    ]);
  });

  test('after sign-in, the first area is home', () => {
    expect(homePath(as('patient'))).toBe('/home');
    expect(homePath(as('front_desk'))).toBe('/staff/patients');
    expect(homePath(as('compliance_officer'))).toBe('/compliance/audit');
    expect(homePath([])).toBe('/account');
  });
});
