import type { ReactNode } from 'react';

/**
 * A message after an action. Success and information are announced politely
 * (role=status); an error that is not about one field is role=alert.
 */
export function Notice({
  kind = 'info',
  children,
}: {
  kind?: 'info' | 'success' | 'error';
  children: ReactNode;
}) {
  return (
    <div className={`notice notice--${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
