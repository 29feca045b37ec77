/**
 * Hash routing: `#explore` → the free explorer, `#classify` → classification, `#nb=<name>&…` → a notebook (the rest of the hash
 * is its link state, see src/notebook/link-state.ts), anything else → the notebook index.
 */
import { useSyncExternalStore } from 'react';
import { readLinkNotebook } from '../notebook';

export type Route = { page: 'index' } | { page: 'explore' } | { page: 'classify' } | { page: 'notebook'; name: string; hash: string };

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, '');
  if (h === 'explore' || h.startsWith('explore&') || h === '/explore') return { page: 'explore' };
  if (h === 'classify' || h === '/classify') return { page: 'classify' };
  const name = readLinkNotebook('#' + h);
  if (name) return { page: 'notebook', name, hash: '#' + h };
  return { page: 'index' };
}

const subscribe = (cb: () => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};

/** The current hash (re-renders on hashchange; replaceState does not fire one, on purpose). */
export function useHash(): string {
  return useSyncExternalStore(subscribe, () => window.location.hash);
}

export function go(hash: string): void {
  window.location.hash = hash;
}

/** Rewrite the hash without a history entry or a hashchange (param values while dragging). */
export function replaceHash(hash: string): void {
  const url = `${window.location.pathname}${window.location.search}#${hash.replace(/^#/, '')}`;
  if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) history.replaceState(history.state, '', url);
}
