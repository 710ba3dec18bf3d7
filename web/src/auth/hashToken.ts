// Links in e-mails carry their token after "#" (never sent to the server, so
// never in its logs). The page reads it once and removes it from the address
// bar and history.

/** "#token=abc" → "abc"; anything else → null. */
export function tokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('token')?.trim();
  return token ? token : null;
}

/** Reads the token and removes the fragment from the current history entry. */
export function takeHashToken(): string | null {
  const token = tokenFromHash(window.location.hash);
  if (window.location.hash) {
    const { pathname, search } = window.location;
    window.history.replaceState(window.history.state, '', `${pathname}${search}`);
  }
  return token;
}
