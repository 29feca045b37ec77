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
  /** this page was loaded from the cache because the network failed */
  fromCache: boolean;
  detail: string;
}

export const useOffline = create<OfflineState>(() => ({
  shell: 'off',
  online: typeof navigator === 'undefined' ? true : navigator.onLine,
  fromCache: false,
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
    .then(async (reg) => {
      set({ shell: 'cached', detail: '' });
      const fromCache = await askWorker(navigator.serviceWorker.controller ?? reg.active);
      if (fromCache) set({ fromCache: true });
    })
    .catch((e: Error) => set({ shell: 'failed', detail: `the app could not be cached for offline use (${e.message})` }));
}

/** Asks the worker whether this page came from the cache (false when there is no answer within 2 s). */
function askWorker(w: ServiceWorker | null): Promise<boolean> {
  if (!w) return Promise.resolve(false);
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    const timer = setTimeout(() => resolve(false), 2000);
    ch.port1.onmessage = (e: MessageEvent<{ fromCache?: boolean }>) => {
      clearTimeout(timer);
      resolve(Boolean(e.data?.fromCache));
    };
    w.postMessage({ type: 'shell-status' }, [ch.port2]);
  });
}
