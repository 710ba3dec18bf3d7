// The clinics whose inbox this person works, named and with their time zone.
import { useSession } from '../auth/session.ts';
import { useClinics } from '../public/clinics.ts';
import { inboxClinics } from './inbox.ts';

export function useInboxClinics() {
  const session = useSession();
  const clinics = useClinics();
  return {
    clinics: inboxClinics(session.data?.roles ?? [], clinics.data ?? []),
    query: clinics,
  };
}
