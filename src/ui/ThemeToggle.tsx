/** Cycles the theme: system → light → dark. */
import { useTheme, type ThemeChoice } from './theme';

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<ThemeChoice, string> = { system: 'theme: system', light: 'theme: light', dark: 'theme: dark' };

export function ThemeToggle() {
  const { choice, set } = useTheme();
  return (
    <button type="button" className="theme-toggle" data-testid="theme-toggle" onClick={() => set(NEXT[choice])} title="Switch between the system theme, light and dark">
      {choice === 'dark' ? '☾' : choice === 'light' ? '☀' : '◐'} {LABEL[choice]}
    </button>
  );
}
