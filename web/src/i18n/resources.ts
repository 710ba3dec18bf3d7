// The portal's texts. The shared ones live in en.json / es.json; each area
// with many texts has its own pair (<area>.en.json, <area>.es.json) under
// its own key, so areas are edited apart.

import enAppointments from './locales/appointments.en.json' with { type: 'json' };
import esAppointments from './locales/appointments.es.json' with { type: 'json' };
import enCheckIn from './locales/checkIn.en.json' with { type: 'json' };
import esCheckIn from './locales/checkIn.es.json' with { type: 'json' };
import en from './locales/en.json' with { type: 'json' };
import es from './locales/es.json' with { type: 'json' };
import enFrontDesk from './locales/frontDesk.en.json' with { type: 'json' };
import esFrontDesk from './locales/frontDesk.es.json' with { type: 'json' };
import enInbox from './locales/inbox.en.json' with { type: 'json' };
import esInbox from './locales/inbox.es.json' with { type: 'json' };
import enMessages from './locales/messages.en.json' with { type: 'json' };
import esMessages from './locales/messages.es.json' with { type: 'json' };
import enRefills from './locales/refills.en.json' with { type: 'json' };
import esRefills from './locales/refills.es.json' with { type: 'json' };
import enVisitRules from './locales/visitRules.en.json' with { type: 'json' };
import esVisitRules from './locales/visitRules.es.json' with { type: 'json' };
import enWaitlist from './locales/waitlist.en.json' with { type: 'json' };
import esWaitlist from './locales/waitlist.es.json' with { type: 'json' };

export const resources = {
  en: {
    ...en,
    appointments: enAppointments,
    frontDesk: enFrontDesk,
    waitlist: enWaitlist,
    checkIn: enCheckIn,
    visitRules: enVisitRules,
    refills: enRefills,
    inbox: enInbox,
    messages: enMessages,
  },
  es: {
    ...es,
    appointments: esAppointments,
    frontDesk: esFrontDesk,
    waitlist: esWaitlist,
    checkIn: esCheckIn,
    visitRules: esVisitRules,
    refills: esRefills,
    inbox: esInbox,
    messages: esMessages,
  },
};
