// Light, dark, or the system's choice (prefers-color-scheme); the choice is remembered.
export type ThemeChoice = 'system' | 'light' | 'dark';
const STORAGE_KEY = 'webalytic.theme';

function stored(): ThemeChoice {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

export const theme = $state<{ choice: ThemeChoice }>({ choice: stored() });

export function applyTheme(choice: ThemeChoice): void {
  theme.choice = choice;
  if (choice === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
  try {
    if (choice === 'system') localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, choice);
  } catch {
    // not remembered
  }
}

export function isDark(): boolean {
  if (theme.choice !== 'system') return theme.choice === 'dark';
  return window.matchMedia('(prefers-color-scheme: dark)').matches;
}
