// The record lists a patient can open, each read from one cached resource
// type: its path, its order, and how a resource becomes a list item.
import type { TSchema } from 'typebox';
import type { SyncedType } from '../../ehr/sync/feeds.ts';
import {
  type Names,
  toAllergy,
  toCondition,
  toEncounter,
  toImmunization,
  toMedication,
  toResult,
} from './map.ts';
import { Allergy, Condition, Encounter, Immunization, Medication, Result } from './model.ts';
import type { CachedRow } from './store.ts';

export interface RecordKind {
  path: string;
  summary: string;
  resourceType: SyncedType;
  category?: string;
  activeFirst?: boolean;
  item: TSchema;
  /** Whether the items name practitioners or organisations to look up. */
  usesNames?: boolean;
  toItem(row: CachedRow, names: Names): unknown;
}

export const RECORD_KINDS: readonly RecordKind[] = [
  {
    path: 'medications',
    summary: 'Medications: active first, then the most recently prescribed',
    resourceType: 'MedicationRequest',
    activeFirst: true,
    item: Medication,
    usesNames: true,
    toItem: (row, names) => toMedication(row.resource, names),
  },
  {
    path: 'allergies',
    summary: 'Allergies and intolerances: active first',
    resourceType: 'AllergyIntolerance',
    activeFirst: true,
    item: Allergy,
    toItem: (row) => toAllergy(row.resource),
  },
  {
    path: 'conditions',
    summary: 'Health problems (conditions): active first, then by onset, newest first',
    resourceType: 'Condition',
    activeFirst: true,
    item: Condition,
    toItem: (row) => toCondition(row.resource),
  },
  {
    path: 'labs',
    summary: 'Laboratory results, newest first',
    resourceType: 'Observation',
    category: 'laboratory',
    item: Result,
    toItem: (row) => toResult(row.resource, row.category),
  },
  {
    path: 'vitals',
    summary: 'Vital signs (blood pressure, weight, ...), newest first',
    resourceType: 'Observation',
    category: 'vital-signs',
    item: Result,
    toItem: (row) => toResult(row.resource, row.category),
  },
  {
    path: 'immunizations',
    summary: 'Immunizations, newest first',
    resourceType: 'Immunization',
    item: Immunization,
    usesNames: true,
    toItem: (row, names) => toImmunization(row.resource, names),
  },
  {
    path: 'encounters',
    summary: 'Visits (encounters), newest first',
    resourceType: 'Encounter',
    item: Encounter,
    usesNames: true,
    toItem: (row, names) => toEncounter(row.resource, names),
  },
];
