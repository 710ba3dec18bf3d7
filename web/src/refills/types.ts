// The refills API's shapes, taken from the server's schemas as types only
// (nothing of the server reaches the browser bundle), so the two cannot drift.
import type {
  Eligibility,
  MedicationRefill,
  Pharmacy,
  QueueItem,
  RefillContext,
  RefillEvent,
  RefillRequestView,
  RefillReview,
} from '../../../src/modules/refills/model.ts';
import type { RefillStatus } from '../../../src/modules/refills/tables.ts';

export type {
  Eligibility,
  MedicationRefill,
  Pharmacy,
  QueueItem,
  RefillContext,
  RefillEvent,
  RefillReview,
  RefillStatus,
};
export type RefillRequest = RefillRequestView;

/** GET /api/refills/medications (clinics: where the patient is registered, first = the one asked). */
export interface MedicationList {
  /** The clinic whose rules judged the list (and where requests go). */
  clinicId: string;
  medications: MedicationRefill[];
  clinics: { id: string; name: string }[];
}

/** GET /api/refills/pharmacies?clinicId= */
export interface PharmacyChoice {
  pharmacies: Pharmacy[];
  preferredPharmacyId: string | null;
}

/** GET /api/refills?page= (newest first). */
export interface RequestPage {
  requests: RefillRequest[];
  page: number;
  hasMore: boolean;
}

/** GET /api/staff/refills?clinicId&status&page (undecided: oldest first). */
export interface QueuePage {
  items: QueueItem[];
  hasMore: boolean;
}

export type QueueView = 'undecided' | 'decided';
