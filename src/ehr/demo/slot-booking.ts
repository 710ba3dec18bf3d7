// What a real EHR's scheduler does around its FHIR store, which a bare FHIR
// server does not: an Appointment takes its Slots (a Slot that is not free
// is refused with 409 Conflict), and a cancelled Appointment frees them
// again. Runs inside the demo EHR's one-at-a-time queue, so check and take
// are atomic. A retried conditional create is let through to answer with
// the Appointment it made the first time.
import { parseSearchRequest } from '@medplum/core';
import type { FhirRepository } from '@medplum/fhir-router';
import type { Appointment, Slot } from '@medplum/fhirtypes';
import { type Answer, type FhirCall, outcomeFor } from './http-adapter.ts';

type Handler = (call: FhirCall) => Promise<Answer>;

export function withSlotBooking(handle: Handler, repo: FhirRepository): Handler {
  return async (call) => {
    const method = call.method.toUpperCase();
    const create = method === 'POST' && /^\/Appointment\/?$/.test(call.path);
    const update = method === 'PUT' && /^\/Appointment\/[^/]+$/.test(call.path);
    const slotIds = create || update ? slotsOf(call.body) : [];
    if (slotIds.length === 0) return handle(call);
    if (create && !(await alreadyMade(repo, call))) {
      for (const id of slotIds) {
        const slot = await readSlot(repo, id);
        if (!slot)
          return [422, outcomeFor(422, 'The Appointment refers to a Slot that does not exist')];
        if (slot.status !== 'free') return [409, outcomeFor(409, 'The slot is no longer free')];
      }
    }
    const answer = await handle(call);
    if (answer[0] >= 300) return answer;
    const status = (answer[1] as Appointment).status;
    const taken = status !== 'cancelled' && status !== 'noshow' && status !== 'entered-in-error';
    if (create || status === 'cancelled' || status === 'entered-in-error')
      for (const id of slotIds) await setSlot(repo, id, taken ? 'busy' : 'free');
    return answer;
  };
}

function slotsOf(body: string): string[] {
  try {
    const appointment = JSON.parse(body) as Appointment;
    return (appointment.slot ?? []).flatMap((r) => {
      const id = /^Slot\/([A-Za-z0-9\-.]{1,64})$/.exec(r.reference ?? '')?.[1];
      return id ? [id] : [];
    });
  } catch {
    return [];
  }
}

async function alreadyMade(repo: FhirRepository, call: FhirCall): Promise<boolean> {
  const condition = call.headers['if-none-exist'];
  if (typeof condition !== 'string' || !condition) return false;
  const found = await repo.searchResources(parseSearchRequest(`Appointment?${condition}`));
  return found.length > 0;
}

async function readSlot(repo: FhirRepository, id: string): Promise<Slot | undefined> {
  try {
    return await repo.readResource<Slot>('Slot', id);
  } catch {
    return undefined;
  }
}

async function setSlot(repo: FhirRepository, id: string, status: Slot['status']): Promise<void> {
  const slot = await readSlot(repo, id);
  if (slot && slot.status !== status) await repo.updateResource<Slot>({ ...slot, status });
}
