// The page a signed-out visitor asked for, kept in memory (not in the URL, where
// a path could carry identifiers into logs and history) until sign-in finishes.

let saved: string | null = null;

/** Only same-origin app paths: "/x", never "//host" or "https://…" (open redirect). */
export function isSafeReturnPath(path: unknown): path is string {
  return (
    typeof path === 'string' &&
    path.startsWith('/') &&
    !path.startsWith('//') &&
    !path.startsWith('/\\') &&
    !path.startsWith('/sign-in')
  );
}

export function rememberReturnPath(path: string): void {
  saved = isSafeReturnPath(path) ? path : null;
}

/** The saved path, once: a later sign-in starts from the home page again. */
export function takeReturnPath(): string | null {
  const path = saved;
  saved = null;
  return path;
}
