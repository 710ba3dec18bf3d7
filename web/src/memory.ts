// In-memory state that should survive moving between pages (a staff search
// to go back to) but never outlive the signed-in user, and never be written
// to storage or the URL, because it can hold patient details.

const store = new Map<string, unknown>();

export function recall<T>(key: string): T | undefined {
  return store.get(key) as T | undefined;
}

export function remember<T>(key: string, value: T): void {
  store.set(key, value);
}

export function forgetAll(): void {
  store.clear();
}
