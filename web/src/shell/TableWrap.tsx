import type { ReactNode } from 'react';

// A wide table scrolls sideways inside this box on a small screen (WCAG 1.4.10
// allows it for data tables). The box can take focus so keyboard users can
// scroll it too, and is named after the table.
export function TableWrap({
  label,
  busy,
  children,
}: {
  label: string;
  busy?: boolean;
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="table-wrap" aria-label={label} aria-busy={busy} tabIndex={0}>
      {children}
    </section>
  );
}
