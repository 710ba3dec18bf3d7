// The three pilot clinics, one per US time zone that the group serves.
// Phone numbers use the 555-01xx range reserved for fiction.
import type { NewClinic } from './model.ts';

const weekdays = (opens: string, closes: string) =>
  [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens, closes }));

export const demoClinics: NewClinic[] = [
  {
    slug: 'riverside',
    name: 'Riverside Family Medicine',
    timeZone: 'America/New_York',
    phone: '+1-518-555-0142',
    address: {
      line1: '120 River Street',
      line2: 'Suite 200',
      city: 'Albany',
      state: 'NY',
      postalCode: '12207',
    },
    hours: [...weekdays('08:00', '17:00'), { weekday: 6, opens: '09:00', closes: '12:00' }],
  },
  {
    slug: 'prairie',
    name: 'Prairie Health Clinic',
    timeZone: 'America/Chicago',
    phone: '+1-312-555-0178',
    address: {
      line1: '45 West Lake Avenue',
      line2: null,
      city: 'Chicago',
      state: 'IL',
      postalCode: '60601',
    },
    hours: weekdays('07:30', '16:30').map((h) => (h.weekday === 4 ? { ...h, closes: '19:00' } : h)),
  },
  {
    slug: 'foothills',
    name: 'Foothills Community Clinic',
    timeZone: 'America/Denver',
    phone: '+1-303-555-0115',
    address: {
      line1: '900 Mesa Drive',
      line2: null,
      city: 'Denver',
      state: 'CO',
      postalCode: '80202',
    },
    hours: weekdays('08:30', '17:30'),
  },
];
