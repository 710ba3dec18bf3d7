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
  FRONT_DESK_ROLES,
  MAILBOX_ROLES,
  MESSAGE_INBOX_ROLES,
  MESSAGE_TEMPLATE_ROLES,
  PATIENT_CARE_ROLES,
  PATIENT_ROLES,
  REFILL_REVIEW_ROLES,
  REFILL_SETTINGS_ROLES,
  UNLOCK_ROLES,
  VISIT_RULES_ROLES,
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
              {
                path: 'appointments',
                lazy: () =>
                  import('./appointments/AppointmentsPage.tsx').then((m) => ({
                    Component: m.AppointmentsPage,
                  })),
              },
              {
                path: 'appointments/offers',
                lazy: () =>
                  import('./appointments/WaitlistOffers.tsx').then((m) => ({
                    Component: m.WaitlistOffersPage,
                  })),
              },
              {
                path: 'appointments/new',
                lazy: () =>
                  import('./appointments/FindTimePage.tsx').then((m) => ({
                    Component: m.FindTimePage,
                  })),
              },
              {
                path: 'appointments/:id',
                lazy: () =>
                  import('./appointments/AppointmentPage.tsx').then((m) => ({
                    Component: m.AppointmentPage,
                  })),
              },
              {
                path: 'appointments/:id/reschedule',
                lazy: () =>
                  import('./appointments/ReschedulePage.tsx').then((m) => ({
                    Component: m.ReschedulePage,
                  })),
              },
              {
                path: 'appointments/:id/check-in',
                lazy: () =>
                  import('./appointments/CheckInPage.tsx').then((m) => ({
                    Component: m.CheckInPage,
                  })),
              },
              {
                path: 'medications',
                lazy: () =>
                  import('./refills/MedicationsPage.tsx').then((m) => ({
                    Component: m.MedicationsPage,
                  })),
              },
              {
                path: 'refills',
                lazy: () =>
                  import('./refills/MyRequestsPage.tsx').then((m) => ({
                    Component: m.MyRequestsPage,
                  })),
              },
              {
                path: 'refills/:id',
                lazy: () =>
                  import('./refills/RequestPage.tsx').then((m) => ({ Component: m.RequestPage })),
              },
              {
                path: 'messages',
                lazy: () =>
                  import('./messages/MessagesPage.tsx').then((m) => ({
                    Component: m.MessagesPage,
                  })),
              },
              {
                path: 'messages/new',
                lazy: () =>
                  import('./messages/NewMessagePage.tsx').then((m) => ({
                    Component: m.NewMessagePage,
                  })),
              },
              {
                path: 'messages/:id',
                lazy: () =>
                  import('./messages/ThreadPage.tsx').then((m) => ({ Component: m.ThreadPage })),
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
            element: <RequireSession roles={FRONT_DESK_ROLES} />,
            children: [
              {
                path: 'staff/check-ins',
                lazy: () =>
                  import('./staff/CheckInReviewPage.tsx').then((m) => ({
                    Component: m.CheckInReviewPage,
                  })),
              },
              {
                path: 'staff/check-ins/:appointmentId',
                lazy: () =>
                  import('./staff/CheckInReviewPage.tsx').then((m) => ({
                    Component: m.CheckInDetailPage,
                  })),
              },
              {
                path: 'staff/schedule',
                lazy: () =>
                  import('./frontdesk/SchedulePage.tsx').then((m) => ({
                    Component: m.SchedulePage,
                  })),
              },
              {
                path: 'staff/requests',
                lazy: () =>
                  import('./frontdesk/RequestsPage.tsx').then((m) => ({
                    Component: m.RequestsPage,
                  })),
              },
              {
                path: 'staff/patients/:patientId/appointments',
                lazy: () =>
                  import('./frontdesk/PatientAppointmentsPage.tsx').then((m) => ({
                    Component: m.PatientAppointmentsPage,
                  })),
              },
            ],
          },
          {
            element: <RequireSession roles={REFILL_REVIEW_ROLES} />,
            children: [
              {
                path: 'staff/refills',
                lazy: () =>
                  import('./refills/QueuePage.tsx').then((m) => ({ Component: m.QueuePage })),
              },
              {
                path: 'staff/refills/:id',
                lazy: () =>
                  import('./refills/ReviewPage.tsx').then((m) => ({ Component: m.ReviewPage })),
              },
            ],
          },
          {
            element: <RequireSession roles={MESSAGE_INBOX_ROLES} />,
            children: [
              {
                path: 'staff/messages',
                lazy: () =>
                  import('./inbox/InboxPage.tsx').then((m) => ({ Component: m.InboxPage })),
              },
              {
                path: 'staff/messages/new',
                lazy: () =>
                  import('./inbox/NewThreadPage.tsx').then((m) => ({
                    Component: m.NewThreadPage,
                  })),
              },
              {
                path: 'staff/messages/:id',
                lazy: () =>
                  import('./inbox/ThreadPage.tsx').then((m) => ({ Component: m.ThreadPage })),
              },
            ],
          },
          {
            element: <RequireSession roles={MESSAGE_TEMPLATE_ROLES} />,
            children: [
              {
                path: 'admin/message-templates',
                lazy: () =>
                  import('./admin/MessageTemplatesPage.tsx').then((m) => ({
                    Component: m.MessageTemplatesPage,
                  })),
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
            element: <RequireSession roles={VISIT_RULES_ROLES} />,
            children: [
              {
                path: 'admin/visit-types',
                lazy: () =>
                  import('./admin/VisitTypesPage.tsx').then((m) => ({
                    Component: m.VisitTypesPage,
                  })),
              },
            ],
          },
          {
            element: <RequireSession roles={REFILL_SETTINGS_ROLES} />,
            children: [
              {
                path: 'admin/refill-settings',
                lazy: () =>
                  import('./admin/RefillSettingsPage.tsx').then((m) => ({
                    Component: m.RefillSettingsPage,
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
