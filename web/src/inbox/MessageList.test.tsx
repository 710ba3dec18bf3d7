import { createInstance } from 'i18next';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider, initReactI18next } from 'react-i18next';
import { expect, test } from 'vitest';
import { resources } from '../i18n/resources.ts';
import { MessageList } from './MessageList.tsx';
import type { MessageView } from './types.ts';

const i18n = createInstance();
void i18n.use(initReactI18next).init({
  resources: { en: { translation: resources.en } },
  lng: 'en',
  interpolation: { escapeValue: false },
  initAsync: false,
});

const message = (over: Partial<MessageView>): MessageView => ({
  id: crypto.randomUUID(),
  body: '',
  fromStaff: false,
  authorName: 'Ana Rivera',
  internal: false,
  createdAt: '2026-11-30T15:00:00.000Z',
  attachments: [],
  readAt: null,
  ...over,
});

const render = (messages: MessageView[]) =>
  renderToStaticMarkup(
    <I18nextProvider i18n={i18n}>
      <MessageList messages={messages} timeZone="America/New_York" />
    </I18nextProvider>,
  );

test('patient-written HTML and links stay text: nothing runs, nothing is clickable', () => {
  const body =
    '<img src=x onerror=alert(1)><script>alert(2)</script>\nPay here: https://evil.example/login';
  const html = render([message({ body })]);
  expect(html).not.toContain('<img');
  expect(html).not.toContain('<script');
  expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
  // The only links are attachments; a URL in the text is no <a>.
  expect(html).not.toMatch(/<a [^>]*evil\.example/);
  expect(html).toContain('Pay here: https://evil.example/login');
});

test('an internal note says in words that the patient does not see it', () => {
  const html = render([
    message({ body: 'Called pharmacy', fromStaff: true, internal: true, authorName: 'Nurse Joy' }),
    message({ body: 'Hello', fromStaff: true }),
  ]);
  const label = resources.en.inbox.thread.internal;
  expect(html.split(label).length - 1).toBe(1);
  expect(html).toContain('message--internal');
});

test('attachments are links to the staff download route', () => {
  const id = crypto.randomUUID();
  const html = render([
    message({
      attachments: [
        { id, fileName: 'scan "1".pdf', mediaType: 'application/pdf', sizeBytes: 2048 },
      ],
    }),
  ]);
  expect(html).toContain(`href="/api/staff/messages/attachments/${id}"`);
  expect(html).toContain('scan &quot;1&quot;.pdf');
});
