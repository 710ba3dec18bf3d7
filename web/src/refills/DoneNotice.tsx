import { useFocusOnMount } from '../appointments/focus.ts';

/** Said after an action whose controls are now gone; it takes focus so nothing is lost. */
export function DoneNotice({ text }: { text: string }) {
  const ref = useFocusOnMount<HTMLDivElement>(true);
  return (
    <div ref={ref} tabIndex={-1} className="notice notice--success" role="status">
      <p>{text}</p>
    </div>
  );
}
