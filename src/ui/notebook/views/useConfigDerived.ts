import { useMemo } from 'react';

/**
 * What a view derives from its config (`derive(config)`), or `{ error }` with the message it threw.
 * Derived again only when the config's JSON changes: the config object is new on every resolve;
 * its JSON is what matters.
 */
export function useConfigDerived<T>(config: Record<string, unknown>, derive: (config: Record<string, unknown>) => T): T | { error: string } {
  const key = JSON.stringify(config);
  return useMemo(() => {
    try {
      return derive(config);
    } catch (e) {
      return { error: (e as Error).message };
    }
  }, [key]);
}
