/**
 * Theme: follows the system unless the user picked light or dark (remembered in localStorage).
 * The resolved theme is written to <html data-theme>, which styles.css reads.
 */
import { create } from 'zustand';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'attnbook:theme';

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

const systemDark = () => typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;

export function applyTheme(choice: ThemeChoice): 'light' | 'dark' {
  const t = choice === 'system' ? (systemDark() ? 'dark' : 'light') : choice;
  document.documentElement.dataset.theme = t;
  return t;
}

interface ThemeState {
  choice: ThemeChoice;
  resolved: 'light' | 'dark';
  set(choice: ThemeChoice): void;
}

export const useTheme = create<ThemeState>((set) => ({
  choice: 'system',
  resolved: 'light',
  set(choice) {
    try {
      if (choice === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, choice);
    } catch {
      /* private mode: the choice lasts for this page only */
    }
    set({ choice, resolved: applyTheme(choice) });
  },
}));

/** Call once at start-up: apply the stored choice and follow system changes while on 'system'. */
export function initTheme(): void {
  const choice = stored();
  useTheme.setState({ choice, resolved: applyTheme(choice) });
  if (typeof matchMedia !== 'function') return;
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    const c = useTheme.getState().choice;
    if (c === 'system') useTheme.setState({ resolved: applyTheme(c) });
  });
}
