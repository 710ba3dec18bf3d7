import type { TFunction } from 'i18next';
import { ROLES } from '../../../src/modules/accounts/tables.ts';
import { AUDIT_ACTIONS } from '../../../src/platform/audit/tables.ts';

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

const RESOURCES = ['Patient', 'ActivationCode', 'ProxyGrant', 'AccessLog', 'User'] as const;

/** "Viewed your record", "Created an activation code"… in the reader's language. */
export function describeAccess(t: TFunction, action: string, resourceType: string | null): string {
  const verb = (AUDIT_ACTIONS as readonly string[]).includes(action)
    ? t(`audit.actions.${action as (typeof AUDIT_ACTIONS)[number]}`)
    : action;
  if (!resourceType) return verb;
  const what = (RESOURCES as readonly string[]).includes(resourceType)
    ? t(`audit.resources.${resourceType as (typeof RESOURCES)[number]}`)
    : resourceType;
  return t('accessLog.what', { action: verb, resource: what });
}

/** A staff role as words; unknown roles as they are. */
export function roleName(t: TFunction, role: string): string {
  return (ROLES as readonly string[]).includes(role)
    ? t(`roles.${role as (typeof ROLES)[number]}`)
    : role;
}
