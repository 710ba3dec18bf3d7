// The one way every feature reaches the EHR. The portal speaks FHIR R4 to
// any standards-based EHR through this interface; its implementation is a
// FHIR REST client (fhir-client.ts). Tests and the demo EHR use the same
// client over real HTTP.
import type {
  Appointment,
  Bundle,
  Communication,
  MedicationRequest,
  Patient,
  Resource,
  ResourceType,
  Schedule,
  Slot,
  Task,
} from '@medplum/fhirtypes';

/** A FHIR search: parameter name → value(s), e.g. { patient: 'Patient/1', _lastUpdated: 'gt2026-01-01' }. */
export type SearchParams = Record<string, string | string[]>;

export interface WriteOptions {
  /**
   * The portal's idempotency key, sent as an identifier (system
   * PORTAL_IDENTIFIER_SYSTEM) and as If-None-Exist, so a retried create
   * never makes a second resource.
   */
  idempotencyKey?: string;
  /**
   * The identifier system the key is sent under (default
   * PORTAL_IDENTIFIER_SYSTEM), for a feature whose key is its own record's
   * id, e.g. a refill request's.
   */
  identifierSystem?: string;
}

export interface UpdateOptions {
  /** The versionId we last saw: sent as If-Match: W/"<versionId>". */
  ifMatchVersion?: string;
}

export const PORTAL_IDENTIFIER_SYSTEM = 'urn:patient-portal:request';

export interface EhrGateway {
  /** Reads one resource; null when the EHR says 404/410. */
  read<T extends Resource>(type: T['resourceType'], id: string): Promise<T | null>;
  /** Every match, following Bundle `next` links (up to `limit` resources). */
  search<T extends Resource>(
    type: T['resourceType'],
    params: SearchParams,
    limit?: number,
  ): Promise<T[]>;
  /** One page at a time, for long syncs that report progress. */
  searchPages<T extends Resource>(
    type: T['resourceType'],
    params: SearchParams,
  ): AsyncIterable<T[]>;
  create<T extends Resource>(resource: T, options?: WriteOptions): Promise<T>;
  update<T extends Resource>(resource: T & { id: string }, options?: UpdateOptions): Promise<T>;

  // Named operations the features use; thin wrappers over the above.
  findPatientByIdentifier(system: string, value: string): Promise<Patient | null>;
  schedules(params: SearchParams): Promise<Schedule[]>;
  freeSlots(params: SearchParams): Promise<Slot[]>;
  bookAppointment(appointment: Appointment, options: WriteOptions): Promise<Appointment>;
  cancelAppointment(id: string, reason: string, options?: UpdateOptions): Promise<Appointment>;
  requestRefill(task: Task, options: WriteOptions): Promise<Task>;
  orderRefill(order: MedicationRequest, options: WriteOptions): Promise<MedicationRequest>;
  postMessage(message: Communication, options: WriteOptions): Promise<Communication>;
}

/** An error the EHR answered (OperationOutcome turned into words), or could not be reached. */
export class EhrError extends Error {
  override name = 'EhrError';
  /** HTTP status, or 0 when the EHR could not be reached or timed out. */
  readonly status: number;
  /** Worth retrying later: network failure, time-out, 408, 429, 5xx. */
  readonly retryable: boolean;
  /** Seconds the EHR asked us to wait (Retry-After), if it said. */
  readonly retryAfterSeconds: number | undefined;

  /** `retryable` overrides the rule from the status, e.g. for an answer that will never change. */
  constructor(message: string, status: number, retryAfterSeconds?: number, retryable?: boolean) {
    super(message);
    this.status = status;
    this.retryable =
      retryable ?? (status === 0 || status === 408 || status === 429 || status >= 500);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export type { Bundle, Resource, ResourceType };
