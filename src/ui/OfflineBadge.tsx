/** Whether the app works offline (its shell is cached) and whether the browser is offline now. */
import { useOffline } from '../app-shell/register';

export function OfflineBadge() {
  const { shell, online: browserOnline, fromCache, detail } = useOffline();
  // the browser's own flag is not always right: a page that the worker had to take from the cache is offline
  const online = browserOnline && !fromCache;
  if (shell === 'off' && online) return null;
  const text = !online
    ? shell === 'cached'
      ? 'Offline: running from the cached app (downloaded weights stay available).'
      : 'Offline: this page was not cached yet, so parts of it may not load.'
    : shell === 'cached'
      ? 'Works offline'
      : shell === 'caching'
        ? 'Caching the app for offline use…'
        : detail;
  const title = shell === 'cached' ? 'The app and its notebooks are kept in this browser; downloaded weights are in its Cache API. Both work without a network.' : undefined;
  return (
    <span className={`offline-badge ${online ? '' : 'warn'}`} role="status" data-testid="offline-status" data-shell={shell} data-online={online} title={title}>
      {text}
    </span>
  );
}
