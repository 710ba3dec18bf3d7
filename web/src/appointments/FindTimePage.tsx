import { useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import './appointments.css';
import { FindTime } from './FindTime.tsx';
import type { Held } from './types.ts';

/** /appointments/new: find a time and book it (an offered time arrives already held). */
export function FindTimePage() {
  const location = useLocation();
  const navigate = useNavigate();
  const [held] = useState(() => (location.state as { held?: Held } | null)?.held);
  // Taken once: a reload or a step back later starts with a search, not a hold long gone.
  useEffect(() => {
    if (location.state) void navigate(location.pathname, { replace: true, state: null });
  }, [location.state, location.pathname, navigate]);
  return <FindTime held={held} />;
}
