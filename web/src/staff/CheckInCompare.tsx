// The parts of one check-in, each what the record says beside what the
// patient says; changes stand out in bold and are named in words too.
import { useTranslation } from 'react-i18next';
import { itemText, type Questionnaire } from '../../../src/modules/scheduling/questionnaire.ts';
import { answerText } from '../appointments/checkInWords.ts';
import { Facts } from '../appointments/Facts.tsx';
import { questions, valuesOf } from '../appointments/questionnaireAnswers.ts';
import { TableWrap } from '../shell/TableWrap.tsx';
import type { CheckInDetail } from './checkIns.ts';

type Lang = 'en' | 'es';

/** A table of what the record says beside what the patient says. */
function Compare({
  title,
  head,
  rows,
}: {
  title: string;
  head: string[];
  rows: { key: string; cells: string[]; changed: boolean }[];
}) {
  const { t } = useTranslation();
  const id = `compare-${title.replace(/\W+/g, '-')}`;
  return (
    <section className="card section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {rows.length === 0 ? (
        <p>{t('checkIn.staff.nothing')}</p>
      ) : (
        <TableWrap label={title}>
          <table className="table table--compact review-table">
            <thead>
              <tr>
                {head.map((h) => (
                  <th key={h} scope="col">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key}>
                  <th scope="row">{r.cells[0]}</th>
                  {r.cells.slice(1).map((cell, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: the columns are fixed
                    <td key={i} className={r.changed && i === 1 ? 'change--new' : undefined}>
                      {cell}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

export function Contact({ d }: { d: CheckInDetail }) {
  const { t } = useTranslation();
  const now = d.current.demographics;
  const change = d.changes.demographics;
  const none = t('checkIn.review.noChange');
  const row = (key: 'phone' | 'email') => ({
    key,
    cells: [t(`checkIn.details.${key}`), now[key] ?? '—', change[key]?.to ?? none],
    changed: Boolean(change[key]),
  });
  return (
    <Compare
      title={t('checkIn.review.contact')}
      head={[t('checkIn.staff.field'), t('checkIn.staff.onRecord'), t('checkIn.staff.patientSays')]}
      rows={[row('phone'), row('email')]}
    />
  );
}

export function Insurance({ d }: { d: CheckInDetail }) {
  const { t } = useTranslation();
  const words = (i: CheckInDetail['changes']['insurance']) =>
    i
      ? t('checkIn.staff.insuranceLine', {
          payer: i.payer,
          memberId: i.memberId,
          group: i.groupNumber ?? '—',
        })
      : null;
  return (
    <Compare
      title={t('checkIn.steps.insurance')}
      head={[t('checkIn.staff.field'), t('checkIn.staff.onRecord'), t('checkIn.staff.patientSays')]}
      rows={[
        {
          key: 'insurance',
          cells: [
            t('checkIn.steps.insurance'),
            words(d.current.insurance) ?? t('checkIn.staff.noInsurance'),
            words(d.changes.insurance) ?? t('checkIn.review.noChange'),
          ],
          changed: d.changes.insurance !== null,
        },
      ]}
    />
  );
}

/** Every entry on record with the patient's answer, then the entries they added. */
export function List({ d, kind }: { d: CheckInDetail; kind: 'medications' | 'allergies' }) {
  const { t } = useTranslation();
  const said = d.changes[kind];
  const known =
    kind === 'medications'
      ? d.current.medications.map((m) => ({
          id: m.id,
          name: m.name,
          detail: m.instructions.join('; '),
        }))
      : d.current.allergies.map((a) => ({
          id: a.id,
          name: a.substance,
          detail: a.reactions.join(', '),
        }));
  const answer = (status: string) =>
    t(`checkIn.staff.answers.${status}` as 'checkIn.staff.answers.new');
  const rows = [
    ...known.map((k) => {
      const s = said.find((x) => x.id === k.id);
      return {
        key: k.id,
        cells: [
          k.name,
          k.detail || '—',
          s ? answer(s.status) : t('checkIn.review.notAnswered'),
          s?.text || '—',
        ],
        changed: Boolean(s && s.status !== 'taking' && s.status !== 'allergic'),
      };
    }),
    // Answered about an entry no longer on record (the EHR changed since): still shown.
    ...said
      .filter((x) => x.status === 'new' || !known.some((k) => k.id === x.id))
      .map((x, i) => ({
        key: `${x.id ?? 'new'}-${i}`,
        cells: [
          x.status === 'new' ? x.text : (x.name ?? x.id ?? '—'),
          '—',
          answer(x.status),
          x.status === 'new' ? '—' : x.text || '—',
        ],
        changed: true,
      })),
  ];
  return (
    <Compare
      title={t(`checkIn.steps.${kind}`)}
      head={[
        t(kind === 'medications' ? 'checkIn.staff.medication' : 'checkIn.staff.allergy'),
        t('checkIn.staff.onRecord'),
        t('checkIn.staff.patientSays'),
        t('checkIn.staff.note'),
      ]}
      rows={rows}
    />
  );
}

export function Answers({ d, lang }: { d: CheckInDetail; lang: Lang }) {
  const { t } = useTranslation();
  const q = d.questionnaire as Questionnaire | null;
  if (!q) return null;
  const values = valuesOf(q, d.questionnaireResponse);
  return (
    <section className="card section" aria-labelledby="check-in-answers">
      <h2 id="check-in-answers">{t('checkIn.staff.answersTitle')}</h2>
      {d.questionnaireResponse ? (
        <Facts
          rows={questions(q.item ?? []).map((item) => [
            itemText(item, lang),
            answerText(t, item, values[item.linkId], lang) || t('checkIn.review.notAnswered'),
          ])}
        />
      ) : (
        <p>{t('checkIn.staff.noAnswers')}</p>
      )}
    </section>
  );
}
