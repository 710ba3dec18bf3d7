import { Navigate, Outlet, useLocation } from 'react-router';
import { ForbiddenPage } from '../shell/ForbiddenPage.tsx';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { rememberReturnPath } from './returnPath.ts';
import { hasAnyRole, type Role } from './roles.ts';
import { useSession } from './session.ts';
import type { SignInState } from './useSignOut.ts';

/**
 * Route guard: signed-out visitors go to sign-in (the page they wanted is kept
 * in memory for afterwards); a half-finished sign-in goes back to its second
 * step; a signed-in user without one of `roles` sees "not allowed". The server
 * checks all of this again on every request.
 */
export function RequireSession({ roles }: { roles?: readonly Role[] }) {
  const session = useSession();
  const { pathname } = useLocation();
  if (session.isPending) return <Loading />;
  if (session.isError)
    return <LoadFailed error={session.error} retry={() => void session.refetch()} />;
  const state = session.data;
  if (!state.signedIn) {
    rememberReturnPath(pathname);
    const notice: SignInState = { notice: 'signInRequired' };
    return <Navigate to="/sign-in" replace state={notice} />;
  }
  if (!state.complete) {
    rememberReturnPath(pathname);
    return <Navigate to={state.user?.mfaEnrolled ? '/sign-in/verify' : '/sign-in/enrol'} replace />;
  }
  if (roles && !hasAnyRole(state.roles ?? [], roles)) return <ForbiddenPage />;
  return <Outlet />;
}
