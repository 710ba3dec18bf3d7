/** "<text> <phone>", the phone a link that dials it. */
export function CallClinic({ text, phone }: { text: string; phone: string }) {
  return (
    <p>
      {text} <a href={`tel:${phone.replace(/[^+\d]/g, '')}`}>{phone}</a>.
    </p>
  );
}
