import type { TFunction } from 'i18next';

/** One row of GET /api/account/access-log. */
export interface AccessEntry {
  at: string;
  staffName: string;
  roles: string[];
  clinic: string | null;
  action: string;
  resourceType: string | null;
  outcome: 'success' | 'failure';
}

export interface AccessLogPage {
  entries: AccessEntry[];
  page: number;
  pageSize: number;
  hasMore: boolean;
}

const ACTIONS = [
  'view',
  'create',
  'update',
  'delete',
  'query',
  'export',
  'print',
  'sign_in',
  'sign_out',
  'timeout',
  'lockout',
  'unlock',
  'privilege_change',
  'access_denied',
] as const;
const RESOURCES = ['Patient', 'ActivationCode', 'ProxyGrant', 'AccessLog', 'User'] as const;

/** "Viewed your record", "Created an activation code"… in the reader's language. */
export function describeAccess(t: TFunction, action: string, resourceType: string | null): string {
  const verb = (ACTIONS as readonly string[]).includes(action)
    ? t(`audit.actions.${action as (typeof ACTIONS)[number]}`)
    : action;
  if (!resourceType) return verb;
  const what = (RESOURCES as readonly string[]).includes(resourceType)
    ? t(`audit.resources.${resourceType as (typeof RESOURCES)[number]}`)
    : resourceType;
  return t('accessLog.what', { action: verb, resource: what });
}

/** A staff role as words; unknown roles as they are. */
export function roleName(t: TFunction, role: string): string {
  const known = [
    'patient',
    'proxy',
    'front_desk',
    'nurse',
    'provider',
    'clinic_admin',
    'compliance_officer',
    'support_agent',
    'system_admin',
  ] as const;
  return (known as readonly string[]).includes(role)
    ? t(`roles.${role as (typeof known)[number]}`)
    : role;
}
