import { createBrowserRouter } from 'react-router';
import { ActivatePage } from './auth/ActivatePage.tsx';
import { ConfirmEmailPage } from './auth/ConfirmEmailPage.tsx';
import { EnrolMfaPage } from './auth/EnrolMfaPage.tsx';
import { ForgotPasswordPage } from './auth/ForgotPasswordPage.tsx';
import { MfaChallengePage } from './auth/MfaChallengePage.tsx';
import { OfferMfaPage } from './auth/OfferMfaPage.tsx';
import { RequireSession } from './auth/RequireSession.tsx';
import { ResetPasswordPage } from './auth/ResetPasswordPage.tsx';
import {
  COMPLIANCE_ROLES,
  EHR_DESK_ROLES,
  MAILBOX_ROLES,
  PATIENT_CARE_ROLES,
  PATIENT_ROLES,
  UNLOCK_ROLES,
} from './auth/roles.ts';
import { SignInPage } from './auth/SignInPage.tsx';
import { LandingPage } from './public/LandingPage.tsx';
import { NotFoundPage } from './shell/NotFoundPage.tsx';
import { RouteError } from './shell/RouteError.tsx';
import { Shell } from './shell/Shell.tsx';

// Public pages, the sign-in steps, then the signed-in areas behind guards
// (the server checks every request again; the guards only route people).
// Each signed-in area is its own chunk, loaded when first opened: a patient's
// browser never downloads the staff or compliance pages.
export const router = createBrowserRouter([
  {
    element: <Shell />,
    children: [
      {
        errorElement: <RouteError />,
        children: [
          { index: true, element: <LandingPage /> },
          { path: 'sign-in', element: <SignInPage /> },
          { path: 'sign-in/verify', element: <MfaChallengePage /> },
          { path: 'sign-in/enrol', element: <EnrolMfaPage /> },
          { path: 'sign-in/offer-mfa', element: <OfferMfaPage /> },
          { path: 'activate', element: <ActivatePage /> },
          { path: 'forgot-password', element: <ForgotPasswordPage /> },
          { path: 'reset-password', element: <ResetPasswordPage /> },
          { path: 'confirm-email', element: <ConfirmEmailPage /> },
          {
            element: <RequireSession />,
            children: [
              {
                path: 'account',
                lazy: () =>
                  import('./account/AccountPage.tsx').then((m) => ({ Component: m.AccountPage })),
              },
            ],
          },
          {
            element: <RequireSession roles={PATIENT_ROLES} />,
            children: [
              {
                path: 'home',
                lazy: () =>
                  import('./account/HomePage.tsx').then((m) => ({ Component: m.HomePage })),
              },
            ],
          },
          {
            element: <RequireSession roles={PATIENT_CARE_ROLES} />,
            children: [
              {
                path: 'staff/patients',
                lazy: () =>
                  import('./staff/PatientSearchPage.tsx').then((m) => ({
                    Component: m.PatientSearchPage,
                  })),
              },
              {
                path: 'staff/patients/:patientId',
                lazy: () =>
                  import('./staff/PatientPage.tsx').then((m) => ({ Component: m.PatientPage })),
              },
            ],
          },
          {
            element: <RequireSession roles={UNLOCK_ROLES} />,
            children: [
              {
                path: 'staff/locked-accounts',
                lazy: () =>
                  import('./staff/LockedAccountsPage.tsx').then((m) => ({
                    Component: m.LockedAccountsPage,
                  })),
              },
            ],
          },
          {
            element: <RequireSession roles={COMPLIANCE_ROLES} />,
            children: [
              {
                path: 'compliance/audit',
                lazy: () =>
                  import('./compliance/AuditSearchPage.tsx').then((m) => ({
                    Component: m.AuditSearchPage,
                  })),
              },
            ],
          },
          {
            element: <RequireSession roles={EHR_DESK_ROLES} />,
            children: [
              {
                path: 'admin/outbox',
                lazy: () =>
                  import('./admin/OutboxPage.tsx').then((m) => ({ Component: m.OutboxPage })),
              },
              {
                path: 'admin/discrepancies',
                lazy: () =>
                  import('./admin/DiscrepanciesPage.tsx').then((m) => ({
                    Component: m.DiscrepanciesPage,
                  })),
              },
            ],
          },
          {
            element: <RequireSession roles={MAILBOX_ROLES} />,
            children: [
              {
                path: 'admin/mailbox',
                lazy: () =>
                  import('./admin/MailboxPage.tsx').then((m) => ({ Component: m.MailboxPage })),
              },
            ],
          },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);
