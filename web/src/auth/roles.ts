// Roles as the server names them, and what each may reach in the web app.
// Kept free of React so the rules can be unit tested; the server enforces them
// again on every request.

import type { Role } from '../../../src/modules/accounts/tables.ts';

// The server's list, so the two cannot drift apart (tables.ts has only type imports).
export { ROLES, type Role } from '../../../src/modules/accounts/tables.ts';

export interface RoleGrant {
  role: Role;
  clinicId: string | null;
}

/** Staff who work with patients' records at their clinics (server: PATIENT_CARE_ROLES). */
export const PATIENT_CARE_ROLES: readonly Role[] = [
  'front_desk',
  'nurse',
  'provider',
  'clinic_admin',
  'support_agent',
];
export const ACTIVATION_ROLES: readonly Role[] = ['front_desk', 'clinic_admin', 'support_agent'];
export const PROXY_GRANT_ROLES: readonly Role[] = ['front_desk', 'clinic_admin'];
export const UNLOCK_ROLES: readonly Role[] = ['support_agent', 'clinic_admin', 'system_admin'];
export const COMPLIANCE_ROLES: readonly Role[] = ['compliance_officer'];
export const MAILBOX_ROLES: readonly Role[] = ['system_admin'];
/** Visit types and booking rules (server: VISIT_RULES_ROLES in src/modules/scheduling/visit-type-routes.ts). */
export const VISIT_RULES_ROLES: readonly Role[] = ['clinic_admin', 'system_admin'];
/** Refill rules and the pharmacy directory (server: REFILL_RULES_ROLES and PHARMACY_ROLES in src/modules/refills). */
export const REFILL_SETTINGS_ROLES: readonly Role[] = ['clinic_admin', 'system_admin'];
/** The EHR desk: the outbox and the discrepancies (server: DESK_ROLES in src/ehr/outbox/desk.ts). */
export const EHR_DESK_ROLES: readonly Role[] = ['clinic_admin', 'system_admin', 'support_agent'];
export const PATIENT_ROLES: readonly Role[] = ['patient', 'proxy'];
/** The schedule: day view, booking requests, booking for a patient (server: SCHEDULE_ROLES in src/modules/scheduling/staff-scope.ts). */
export const FRONT_DESK_ROLES: readonly Role[] = [
  'front_desk',
  'nurse',
  'provider',
  'clinic_admin',
];

/** The refill review queue (server: REVIEW_ROLES in src/modules/refills/staff-routes.ts). */
export const REFILL_REVIEW_ROLES: readonly Role[] = ['nurse', 'provider', 'clinic_admin'];

/** The staff message inbox: roles that work message pools (server: message_pools.roles). */
export const MESSAGE_INBOX_ROLES: readonly Role[] = [
  'front_desk',
  'nurse',
  'provider',
  'clinic_admin',
  'support_agent',
];
/** A clinic's quick-reply templates (server: src/modules/messaging/template-routes.ts). */
export const MESSAGE_TEMPLATE_ROLES: readonly Role[] = ['clinic_admin'];

export function hasAnyRole(grants: readonly RoleGrant[], allowed: readonly Role[]): boolean {
  return grants.some((g) => allowed.includes(g.role));
}

export type NavKey =
  | 'home'
  | 'appointments'
  | 'medications'
  | 'messages'
  | 'patients'
  | 'inbox'
  | 'schedule'
  | 'requests'
  | 'checkIns'
  | 'refills'
  | 'lockedAccounts'
  | 'audit'
  | 'mailbox'
  | 'visitTypes'
  | 'refillSettings'
  | 'messageTemplates'
  | 'discrepancies'
  | 'outbox'
  | 'account';

export interface NavItem {
  key: NavKey;
  to: string;
}

const NAV: { item: NavItem; roles: readonly Role[] | 'any' }[] = [
  { item: { key: 'home', to: '/home' }, roles: PATIENT_ROLES },
  { item: { key: 'appointments', to: '/appointments' }, roles: PATIENT_ROLES },
  { item: { key: 'medications', to: '/medications' }, roles: PATIENT_ROLES },
  { item: { key: 'messages', to: '/messages' }, roles: PATIENT_ROLES },
  { item: { key: 'patients', to: '/staff/patients' }, roles: PATIENT_CARE_ROLES },
  { item: { key: 'inbox', to: '/staff/messages' }, roles: MESSAGE_INBOX_ROLES },
  { item: { key: 'schedule', to: '/staff/schedule' }, roles: FRONT_DESK_ROLES },
  { item: { key: 'requests', to: '/staff/requests' }, roles: FRONT_DESK_ROLES },
  { item: { key: 'checkIns', to: '/staff/check-ins' }, roles: FRONT_DESK_ROLES },
  { item: { key: 'refills', to: '/staff/refills' }, roles: REFILL_REVIEW_ROLES },
  { item: { key: 'lockedAccounts', to: '/staff/locked-accounts' }, roles: UNLOCK_ROLES },
  { item: { key: 'audit', to: '/compliance/audit' }, roles: COMPLIANCE_ROLES },
  { item: { key: 'mailbox', to: '/admin/mailbox' }, roles: MAILBOX_ROLES },
  { item: { key: 'visitTypes', to: '/admin/visit-types' }, roles: VISIT_RULES_ROLES },
  { item: { key: 'refillSettings', to: '/admin/refill-settings' }, roles: REFILL_SETTINGS_ROLES },
  {
    item: { key: 'messageTemplates', to: '/admin/message-templates' },
    roles: MESSAGE_TEMPLATE_ROLES,
  },
  { item: { key: 'discrepancies', to: '/admin/discrepancies' }, roles: EHR_DESK_ROLES },
  { item: { key: 'outbox', to: '/admin/outbox' }, roles: EHR_DESK_ROLES },
  { item: { key: 'account', to: '/account' }, roles: 'any' },
];

/** The signed-in navigation: only the areas the user's roles reach, then Account. */
export function navItems(grants: readonly RoleGrant[]): NavItem[] {
  return NAV.filter(({ roles }) => roles === 'any' || hasAnyRole(grants, roles)).map(
    ({ item }) => item,
  );
}

/** Where a user lands after signing in when no other page was asked for. */
export function homePath(grants: readonly RoleGrant[]): string {
  return navItems(grants)[0]?.to ?? '/account';
}
