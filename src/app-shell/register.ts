/**
 * Page half of the offline app shell: registers sw.js (built app only; relative to the page, so
 * from any sub-path) and tracks whether the app is cached for offline use and whether the browser
 * is online, for the header's status line.
 */
import { create } from 'zustand';

export interface OfflineState {
  /** 'cached': the shell is in the cache (the app works offline); 'off': no service worker (dev server, unsupported, refused) */
  shell: 'off' | 'caching' | 'cached' | 'failed';
  online: boolean;
  detail: string;
}

export const useOffline = create<OfflineState>(() => ({
  shell: 'off',
  online: typeof navigator === 'undefined' ? true : navigator.onLine,
  detail: '',
}));

export function registerAppShell(): void {
  const set = useOffline.setState;
  window.addEventListener('online', () => set({ online: true }));
  window.addEventListener('offline', () => set({ online: false }));
  // the dev server (hot reload) serves no sw.js; any build does, whatever its NODE_ENV
  if (import.meta.hot) return;
  if (!('serviceWorker' in navigator)) {
    set({ shell: 'off', detail: 'this browser has no service workers: the app needs the network' });
    return;
  }
  set({ shell: 'caching' });
  navigator.serviceWorker
    .register(new URL('sw.js', document.baseURI))
    .then(() => navigator.serviceWorker.ready)
    .then(() => set({ shell: 'cached', detail: '' }))
    .catch((e: Error) => set({ shell: 'failed', detail: `the app could not be cached for offline use (${e.message})` }));
}
