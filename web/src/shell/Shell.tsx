import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, Outlet, useLocation } from 'react-router';
import { ActingForBar } from '../account/ActingForBar.tsx';
import { StepUpProvider } from '../account/StepUp.tsx';
import { IdleWatcher } from '../auth/IdleWatcher.tsx';
import { hasAnyRole, homePath, type NavItem, navItems } from '../auth/roles.ts';
import { SessionEvents } from '../auth/SessionEvents.tsx';
import { type SessionState, useSession } from '../auth/session.ts';
import { MessagesNavLink } from '../messages/MessagesNavLink.tsx';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { SkipLink } from './SkipLink.tsx';
import { UserMenu } from './UserMenu.tsx';

// After a client-side navigation, focus the new page's <main> so screen reader
// and keyboard users start at the new content, as after a full page load.
function useFocusMainOnNavigate() {
  const { pathname } = useLocation();
  const previous = useRef(pathname);
  useEffect(() => {
    if (previous.current === pathname) return;
    previous.current = pathname;
    document.getElementById('main')?.focus();
  }, [pathname]);
}

const signedInFully = (s: SessionState | undefined): s is SessionState =>
  Boolean(s?.signedIn && s.complete && s.user && !s.leaving);

export function Shell() {
  const { t } = useTranslation();
  useFocusMainOnNavigate();
  const session = useSession().data;
  const full = signedInFully(session);
  const items: NavItem[] = full ? navItems(session.roles ?? []) : [{ key: 'home', to: '/' }];
  return (
    <StepUpProvider>
      <SkipLink />
      <SessionEvents />
      <header className="site-header">
        <div className="container site-header__inner">
          <Link to={full ? homePath(session.roles ?? []) : '/'} className="brand">
            <svg className="brand__mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
              <rect width="32" height="32" rx="7" />
              <path d="M13 7h6v6h6v6h-6v6h-6v-6H7v-6h6z" />
            </svg>
            <span>{t('app.name')}</span>
          </Link>
          <div className="site-header__tools">
            {full && session.user && <UserMenu name={session.user.displayName} />}
            {!session?.signedIn && (
              <Link to="/sign-in" className="button button--secondary">
                {t('header.signIn')}
              </Link>
            )}
            <LanguageSwitch />
          </div>
        </div>
      </header>
      <nav className="site-nav" aria-label={t('nav.label')}>
        <ul className="container site-nav__list">
          {items.map((item) => (
            <li key={item.key}>
              {item.key === 'messages' ? (
                <MessagesNavLink to={item.to} />
              ) : (
                <NavLink to={item.to} end={item.to === '/'}>
                  {t(`nav.${item.key}`)}
                </NavLink>
              )}
            </li>
          ))}
        </ul>
      </nav>
      {full && hasAnyRole(session.roles ?? [], ['proxy']) && <ActingForBar />}
      <main id="main" tabIndex={-1} className="container site-main">
        <Outlet />
      </main>
      <footer className="site-footer">
        <div className="container">
          <p className="site-footer__emergency">{t('footer.emergency')}</p>
          <p>{t('footer.about')}</p>
        </div>
      </footer>
      {full && session.idleMinutes && (
        <IdleWatcher key={session.user?.id} idleMinutes={session.idleMinutes} />
      )}
    </StepUpProvider>
  );
}
