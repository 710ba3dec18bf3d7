// The demo visit types' check-in questionnaires: FHIR R4 Questionnaires with
// the Spanish text in the standard translation extension, so one resource
// serves both languages. Clinics replace these with their own.
import {
  type AnswerOption,
  MAX_VALUE_URL,
  MIN_VALUE_URL,
  type Questionnaire,
  type QuestionnaireItem,
  TRANSLATION_URL,
} from './questionnaire.ts';

const BASE = 'https://demo.portal.test/fhir/Questionnaire';

const spanish = (content: string) => ({
  extension: [
    {
      url: TRANSLATION_URL,
      extension: [
        { url: 'lang', valueCode: 'es' },
        { url: 'content', valueString: content },
      ],
    },
  ],
});

const question = (
  linkId: string,
  type: string,
  text: [string, string],
  more: Partial<QuestionnaireItem> = {},
): QuestionnaireItem => ({ linkId, type, text: text[0], _text: spanish(text[1]), ...more });

const option = (system: string, code: string, display: [string, string]): AnswerOption => ({
  valueCoding: { system, code, display: display[0], _display: spanish(display[1]) },
});

const limits = (min: number, max: number, kind: 'valueInteger' | 'valueDecimal') => ({
  extension: [
    { url: MIN_VALUE_URL, [kind]: min },
    { url: MAX_VALUE_URL, [kind]: max },
  ],
});

const form = (code: string, title: [string, string], item: QuestionnaireItem[]): Questionnaire => ({
  resourceType: 'Questionnaire',
  url: `${BASE}/${code}`,
  status: 'active',
  title: title[0],
  _title: spanish(title[1]),
  item,
});

const discuss = (required: boolean) =>
  question(
    'reason',
    'text',
    [
      'What would you like to discuss at this visit?',
      '¿De qué le gustaría hablar en esta consulta?',
    ],
    { required, maxLength: 1000 },
  );

const LOCATION = 'https://demo.portal.test/fhir/CodeSystem/visit-location';
const LOINC = 'http://loinc.org';

export const demoQuestionnaires: Record<string, Questionnaire> = {
  'office-visit': form(
    'office-visit',
    ['Before your visit', 'Antes de su consulta'],
    [
      discuss(true),
      question('fever', 'boolean', ['Do you have a fever today?', '¿Tiene fiebre hoy?'], {
        required: true,
      }),
      question(
        'pain',
        'integer',
        [
          'Pain level today, from 0 (no pain) to 10 (worst pain)',
          'Nivel de dolor hoy, de 0 (sin dolor) a 10 (el peor dolor)',
        ],
        limits(0, 10, 'valueInteger'),
      ),
    ],
  ),
  'video-visit': form(
    'video-visit',
    ['Before your video visit', 'Antes de su consulta por video'],
    [
      question(
        'location',
        'choice',
        [
          'Where will you be during the video visit?',
          '¿Dónde estará durante la consulta por video?',
        ],
        {
          required: true,
          answerOption: [
            option(LOCATION, 'home', ['At home', 'En casa']),
            option(LOCATION, 'work', ['At work', 'En el trabajo']),
            option(LOCATION, 'other', ['Somewhere else', 'En otro lugar']),
          ],
        },
      ),
      question(
        'callback-phone',
        'string',
        [
          'A phone number we can call if the video connection drops',
          'Un número de teléfono al que podamos llamarle si se corta la videollamada',
        ],
        { maxLength: 30 },
      ),
      discuss(false),
    ],
  ),
  'new-patient': form(
    'new-patient',
    ['About you', 'Sobre usted'],
    [
      discuss(true),
      question('smoking', 'choice', ['Do you smoke tobacco?', '¿Fuma tabaco?'], {
        answerOption: [
          option(LOINC, 'LA18978-9', ['I have never smoked', 'Nunca he fumado']),
          option(LOINC, 'LA15920-4', ['I used to smoke', 'Fumaba antes']),
          option(LOINC, 'LA18976-3', ['I smoke every day', 'Fumo todos los días']),
          option(LOINC, 'LA18977-1', ['I smoke some days', 'Fumo algunos días']),
        ],
      }),
      question('last-physical', 'date', [
        'When was your last physical exam? (an approximate date is fine)',
        '¿Cuándo fue su último examen físico? (basta una fecha aproximada)',
      ]),
    ],
  ),
  procedure: form(
    'procedure',
    ['Before your procedure', 'Antes de su procedimiento'],
    [
      question(
        'blood-thinners',
        'boolean',
        [
          'Do you take a blood thinner (for example warfarin, apixaban or daily aspirin)?',
          '¿Toma algún anticoagulante (por ejemplo warfarina, apixabán o aspirina diaria)?',
        ],
        { required: true },
      ),
      question(
        'weight',
        'decimal',
        ['Your weight in kilograms (kg)', 'Su peso en kilogramos (kg)'],
        limits(1, 400, 'valueDecimal'),
      ),
    ],
  ),
};
