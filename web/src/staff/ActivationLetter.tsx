import i18next from 'i18next';
import { dateTime } from '../i18n/format.ts';
import { languages } from '../i18n/language.ts';
import type { IssuedCode } from './patients.ts';

// The letter a clinic prints and hands or posts to the patient: the same text
// in English and Spanish, whatever language the staff member's screen is in.
// Print CSS prints only `.printable`.
export function ActivationLetter({ issued }: { issued: IssuedCode }) {
  return (
    <article className="letter printable" aria-labelledby="letter-title-en">
      {languages.map((lang) => (
        <LetterText key={lang} lang={lang} issued={issued} />
      ))}
    </article>
  );
}

function LetterText({ lang, issued }: { lang: 'en' | 'es'; issued: IssuedCode }) {
  const t = i18next.getFixedT(lang);
  const { letter } = issued;
  return (
    <section lang={lang} className="letter__text">
      <p className="letter__clinic">
        <strong>{letter.clinicName}</strong>
        <br />
        {t('letter.phone', { phone: letter.clinicPhone })}
      </p>
      <h2 id={`letter-title-${lang}`}>{t('letter.title')}</h2>
      <p>{t('letter.dear', { name: letter.patientName })}</p>
      <p>{t('letter.intro')}</p>
      <p className="letter__code">
        {t('letter.codeLabel')} <strong>{issued.code}</strong>
      </p>
      <ol>
        <li>{t('letter.step1', { url: letter.activateUrl })}</li>
        <li>{t('letter.step2')}</li>
        <li>{t('letter.step3')}</li>
      </ol>
      <p>{t('letter.expires', { date: dateTime(lang, issued.expiresAt) })}</p>
      <p>{t('letter.help', { phone: letter.clinicPhone })}</p>
    </section>
  );
}
