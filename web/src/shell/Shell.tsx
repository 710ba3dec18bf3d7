import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, Outlet, useLocation } from 'react-router';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { SkipLink } from './SkipLink.tsx';

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

export function Shell() {
  const { t } = useTranslation();
  useFocusMainOnNavigate();
  return (
    <>
      <SkipLink />
      <header className="site-header">
        <div className="container site-header__inner">
          <Link to="/" className="brand">
            <svg className="brand__mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
              <rect width="32" height="32" rx="7" />
              <path d="M13 7h6v6h6v6h-6v6h-6v-6H7v-6h6z" />
            </svg>
            <span>{t('app.name')}</span>
          </Link>
          <LanguageSwitch />
        </div>
      </header>
      <nav className="site-nav" aria-label={t('nav.label')}>
        <ul className="container site-nav__list">
          <li>
            <NavLink to="/" end>
              {t('nav.home')}
            </NavLink>
          </li>
        </ul>
      </nav>
      <main id="main" tabIndex={-1} className="container site-main">
        <Outlet />
      </main>
      <footer className="site-footer">
        <div className="container">
          <p className="site-footer__emergency">{t('footer.emergency')}</p>
          <p>{t('footer.about')}</p>
        </div>
      </footer>
    </>
  );
}
