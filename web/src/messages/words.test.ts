import i18next from 'i18next';
import { beforeAll, describe, expect, test } from 'vitest';
import { resources } from '../i18n/resources.ts';
import type { MessageClinic } from './types.ts';
import { draftChoice, inLanguage, newestFirst, telHref } from './words.ts';

const i18n = i18next.createInstance();
beforeAll(() =>
  i18n.init({
    resources: { en: { translation: resources.en }, es: { translation: resources.es } },
    lng: 'en',
    interpolation: { escapeValue: false },
  }),
);

describe('the message pages', () => {
  test('conversations are listed newest activity first', () => {
    const at = (id: string, lastMessageAt: string) => ({ id, lastMessageAt });
    const sorted = newestFirst([
      at('a', '2026-03-01T10:00:00Z'),
      at('b', '2026-03-02T09:00:00Z'),
      at('c', '2026-03-01T11:00:00Z'),
    ]);
    expect(sorted.map((t) => t.id)).toEqual(['b', 'c', 'a']);
  });

  test("a pool's name follows the reader's language", () => {
    const names = { en: 'Nurses', es: 'Enfermería' };
    expect(inLanguage(names, 'es')).toBe('Enfermería');
    expect(inLanguage(names, 'en')).toBe('Nurses');
  });

  test('the clinic phone dials', () => {
    expect(telHref('(555) 010-2000')).toBe('tel:5550102000');
  });

  test("the clinic's promise, with the emergency number, in both languages", () => {
    const en = i18n.getFixedT('en');
    const es = i18n.getFixedT('es');
    expect(en('messages.responseTime.reply', { count: 2 })).toBe(
      'We reply within 2 business days.',
    );
    expect(en('messages.responseTime.reply', { count: 1 })).toBe('We reply within 1 business day.');
    expect(en('messages.responseTime.emergency')).toBe('For emergencies call 911.');
    expect(es('messages.responseTime.reply', { count: 3 })).toBe('Respondemos en 3 días hábiles.');
  });

  test('the nav shows the count and names it in words', () => {
    const en = i18n.getFixedT('en');
    expect(en('messages.nav.count', { count: 2 })).toBe('Messages (2)');
    expect(en('messages.nav.unread', { count: 2 })).toBe('Messages, 2 unread');
    expect(i18n.getFixedT('es')('messages.nav.unread', { count: 1 })).toBe('Mensajes, 1 sin leer');
  });
});

describe("a new conversation's kept draft", () => {
  const clinic = (clinicId: string, topics: MessageClinic['topics'][number]['topic'][]) => ({
    clinicId,
    clinicName: clinicId,
    clinicPhone: '555-0100',
    topics: topics.map((topic) => ({
      topic,
      name: { en: topic, es: topic },
      targetBusinessDays: 2,
    })),
  });
  const north = clinic('north', ['medical', 'billing']);
  const south = clinic('south', ['appointment']);

  test('brings back the clinic and topic chosen', () => {
    expect(draftChoice({ clinicId: 'south', topic: 'appointment' }, [north, south])).toEqual({
      clinicId: 'south',
      topic: 'appointment',
    });
  });

  test('drops a clinic no longer among the patient’s, and a topic it does not take', () => {
    expect(draftChoice({ clinicId: 'gone', topic: 'medical' }, [north, south])).toEqual({
      clinicId: '',
      topic: '',
    });
    expect(draftChoice({ clinicId: 'south', topic: 'medical' }, [north, south])).toEqual({
      clinicId: 'south',
      topic: '',
    });
  });

  test('chooses the only clinic, keeping a topic it takes', () => {
    expect(draftChoice({}, [north])).toEqual({ clinicId: 'north', topic: '' });
    expect(draftChoice({ clinicId: null, topic: 'billing' }, [north])).toEqual({
      clinicId: 'north',
      topic: 'billing',
    });
  });
});
