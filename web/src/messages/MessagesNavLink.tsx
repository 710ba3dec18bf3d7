import { useTranslation } from 'react-i18next';
import { NavLink } from 'react-router';
import { useUnread } from './queries.ts';

/**
 * "Messages (2)" in the navigation, named "Messages, 2 unread" for screen
 * readers. The count comes from the server, read on focus and every minute,
 * so it stays right when another tab or device reads a message.
 */
export function MessagesNavLink({ to }: { to: string }) {
  const { t } = useTranslation();
  const count = useUnread().data?.unread ?? 0;
  return (
    <NavLink to={to} aria-label={count > 0 ? t('messages.nav.unread', { count }) : undefined}>
      {count > 0 ? t('messages.nav.count', { count }) : t('messages.nav.label')}
    </NavLink>
  );
}
