// The API key of this tab: kept in sessionStorage (gone when the tab closes, never in a
// URL, never in localStorage) and sent as `Authorization: Bearer`.
const STORAGE_KEY = 'webalytic.apiKey';

function stored(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export const auth = $state<{ key: string | undefined; notice: string | undefined }>({ key: stored(), notice: undefined });

export function signIn(key: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Storage disabled: the key lives in memory for this page only.
  }
  auth.key = key;
  auth.notice = undefined;
}

export function signOut(notice?: string): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
  auth.key = undefined;
  auth.notice = notice;
}
