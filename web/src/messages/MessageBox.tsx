import { TextAreaField } from '../refills/TextAreaField.tsx';

/** The server's limit for one message. */
export const BODY_MAX = 10_000;

/** The message text box: a labelled textarea with the message length limit. */
export function MessageBox(p: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  value: string;
  onValue: (value: string) => void;
}) {
  return <TextAreaField {...p} maxLength={BODY_MAX} />;
}
