// What the portal's e-mails say, in English and Spanish. Mail travels and
// rests outside our control, so it says only what the action needs and a
// link: no names, no clinic, nothing about anyone's health. Tokens sit after
// '#' in links, so they never reach a server log or a Referer header.
import type { Mail } from './mail.ts';

export type Language = 'en' | 'es';
type Text = Omit<Mail, 'to'>;

const sign = { en: '— Your portal team', es: '— El equipo del portal' };
const ignore = {
  en: 'If you did not ask for this, you can ignore this e-mail.',
  es: 'Si no lo pidió usted, puede ignorar este correo.',
};
const notYou = {
  en: 'If this was not you, reset your password now and contact the clinic.',
  es: 'Si no fue usted, restablezca su contraseña ahora y comuníquese con la clínica.',
};

const callClinic = {
  en: 'If this was not you, contact the clinic right away.',
  es: 'Si no fue usted, comuníquese con la clínica de inmediato.',
};

const body = (lang: Language, ...lines: string[]) => [...lines, '', sign[lang]].join('\n');

export const mailTexts = {
  activationCode(lang: Language, p: { code: string; days: number; url: string }): Text {
    return lang === 'es'
      ? {
          subject: 'Su código de activación',
          text: body(
            lang,
            `Su código de activación es: ${p.code}`,
            `Sirve una sola vez y vence en ${p.days} días.`,
            `Para crear su cuenta, vaya a ${p.url} e ingréselo con su fecha de nacimiento.`,
            '',
            ignore.es,
          ),
        }
      : {
          subject: 'Your activation code',
          text: body(
            lang,
            `Your activation code is: ${p.code}`,
            `It works once and expires in ${p.days} days.`,
            `To create your account, go to ${p.url} and enter it with your date of birth.`,
            '',
            ignore.en,
          ),
        };
  },

  passwordReset(lang: Language, p: { url: string; minutes: number }): Text {
    return lang === 'es'
      ? {
          subject: 'Restablecer su contraseña',
          text: body(
            lang,
            'Para elegir una contraseña nueva, abra este enlace:',
            p.url,
            `El enlace sirve una vez y vence en ${p.minutes} minutos.`,
            '',
            ignore.es,
          ),
        }
      : {
          subject: 'Reset your password',
          text: body(
            lang,
            'To choose a new password, open this link:',
            p.url,
            `The link works once and expires in ${p.minutes} minutes.`,
            '',
            ignore.en,
          ),
        };
  },

  passwordChanged(lang: Language, p: { url: string }): Text {
    return lang === 'es'
      ? {
          subject: 'Se cambió su contraseña',
          text: body(lang, 'Se cambió la contraseña de su cuenta.', notYou.es, p.url),
        }
      : {
          subject: 'Your password was changed',
          text: body(lang, 'The password of your account was changed.', notYou.en, p.url),
        };
  },

  confirmEmail(lang: Language, p: { url: string; hours: number }): Text {
    return lang === 'es'
      ? {
          subject: 'Confirme su nuevo correo electrónico',
          text: body(
            lang,
            'Para usar esta dirección para iniciar sesión, abra este enlace:',
            p.url,
            `El enlace sirve una vez y vence en ${p.hours} horas.`,
            '',
            ignore.es,
          ),
        }
      : {
          subject: 'Confirm your new e-mail address',
          text: body(
            lang,
            'To sign in with this address from now on, open this link:',
            p.url,
            `The link works once and expires in ${p.hours} hours.`,
            '',
            ignore.en,
          ),
        };
  },

  emailTaken(lang: Language, p: { url: string }): Text {
    return lang === 'es'
      ? {
          subject: 'Esta dirección ya tiene una cuenta',
          text: body(
            lang,
            'Alguien pidió usar esta dirección para otra cuenta, pero ya tiene una.',
            `Inicie sesión o use "Olvidé mi contraseña" en ${p.url}`,
            '',
            ignore.es,
          ),
        }
      : {
          subject: 'This address already has an account',
          text: body(
            lang,
            'Someone asked to use this address for another account, but it already has one.',
            `Sign in, or use "Forgot password" at ${p.url}`,
            '',
            ignore.en,
          ),
        };
  },

  emailChangeRequested(lang: Language, p: { url: string }): Text {
    return lang === 'es'
      ? {
          subject: 'Se pidió cambiar su correo electrónico',
          text: body(
            lang,
            'Se pidió cambiar la dirección con la que inicia sesión. El cambio se hace cuando se confirma desde la dirección nueva.',
            notYou.es,
            p.url,
          ),
        }
      : {
          subject: 'A change of your e-mail address was requested',
          text: body(
            lang,
            'Someone asked to change the address you sign in with. It changes once the new address confirms it.',
            notYou.en,
            p.url,
          ),
        };
  },

  emailChanged(lang: Language, p: { url: string }): Text {
    return lang === 'es'
      ? {
          subject: 'Se cambió su correo electrónico',
          text: body(
            lang,
            'Su cuenta ahora inicia sesión con otra dirección; ya no recibirá correos aquí.',
            callClinic.es,
            p.url,
          ),
        }
      : {
          subject: 'Your e-mail address was changed',
          text: body(
            lang,
            'Your account now signs in with another address; mail will no longer come here.',
            callClinic.en,
            p.url,
          ),
        };
  },
};
