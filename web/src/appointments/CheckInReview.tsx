import { useTranslation } from 'react-i18next';
import { itemText, type Questionnaire } from '../../../src/modules/scheduling/questionnaire.ts';
import { bodyOf, type CheckIn, type CheckInForm, type Line, type ListKind } from './checkIn.ts';
import { answerText } from './checkInWords.ts';
import { Facts } from './Facts.tsx';
import { questions } from './questionnaireAnswers.ts';

/** Everything the patient is about to send, as they will read it back. */
export function CheckInReview({
  view,
  form,
  lang,
}: {
  view: CheckIn;
  form: CheckInForm;
  lang: string;
}) {
  const { t } = useTranslation();
  const q = view.questionnaire as Questionnaire | null;
  const body = bodyOf(form, view.current, q);
  const noChange = t('checkIn.review.noChange');
  return (
    <>
      <p>{t('checkIn.review.intro')}</p>
      <h3>{t('checkIn.review.contact')}</h3>
      <Facts
        rows={[
          [t('checkIn.details.phone'), body.demographics.phone ?? noChange],
          [t('checkIn.details.email'), body.demographics.email ?? noChange],
        ]}
      />
      <h3>{t('checkIn.steps.insurance')}</h3>
      {body.insurance ? (
        <Facts
          rows={[
            [t('checkIn.insurance.payer'), body.insurance.payer],
            [t('checkIn.insurance.memberId'), body.insurance.memberId],
            [t('checkIn.insurance.groupNumber'), body.insurance.groupNumber ?? '—'],
          ]}
        />
      ) : (
        <p>{noChange}</p>
      )}
      <ListReview kind="medications" lines={form.medications} />
      <ListReview kind="allergies" lines={form.allergies} />
      {q && (
        <>
          <h3>{t('checkIn.steps.questionnaire')}</h3>
          <Facts
            rows={questions(q.item ?? []).map((item) => [
              itemText(item, lang),
              answerText(t, item, form.answers[item.linkId], lang) ||
                t('checkIn.review.notAnswered'),
            ])}
          />
        </>
      )}
    </>
  );
}

function ListReview({ kind, lines }: { kind: ListKind; lines: Line[] }) {
  const { t } = useTranslation();
  return (
    <>
      <h3>{t(`checkIn.steps.${kind}`)}</h3>
      {lines.length === 0 ? (
        <p>{t(`checkIn.${kind}.none`)}</p>
      ) : (
        <ul>
          {lines.map((l) => (
            <li key={l.key}>
              {l.id === null
                ? t('checkIn.review.added', { text: l.text.trim() })
                : `${l.name}: ${
                    l.status
                      ? t(`checkIn.${kind}.${l.status}` as 'checkIn.medications.taking')
                      : t('checkIn.review.notAnswered')
                  }`}
              {l.id !== null && l.text.trim() && ` (${l.text.trim()})`}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
