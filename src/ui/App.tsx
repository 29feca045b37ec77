import { useEffect, type ReactNode } from 'react';
import { GpuBadge } from './GpuBadge';
import { PhotoPicker } from './PhotoPicker';
import { OpExplorer } from './OpExplorer';
import { ClassifyPanel } from './classify/ClassifyPanel';
import { ThemeToggle } from './ThemeToggle';
import { OfflineBadge } from './OfflineBadge';
import { NotebookIndex } from './notebook/NotebookIndex';
import { NotebookPage } from './notebook/NotebookPage';
import { parseRoute, useHash } from './route';
import { useGpu } from '../state/gpu';

export function App() {
  const init = useGpu((s) => s.init);
  useEffect(() => {
    void init();
  }, [init]);
  const route = parseRoute(useHash());
  return (
    <div className="app">
      <header className="app-header">
        <h1>Attention Notebook</h1>
        <nav className="app-nav" aria-label="Pages">
          <a href="#" aria-current={route.page === 'index' || route.page === 'notebook' ? 'page' : undefined}>
            Notebooks
          </a>
          <a href="#explore" aria-current={route.page === 'explore' ? 'page' : undefined} data-testid="nav-explore">
            Explorer
          </a>
          <a href="#classify" aria-current={route.page === 'classify' ? 'page' : undefined} data-testid="nav-classify">
            Classify
          </a>
        </nav>
        <OfflineBadge />
        <ThemeToggle />
        <GpuBadge />
      </header>
      {route.page === 'explore' ? (
        <PhotoPage>
          <OpExplorer />
        </PhotoPage>
      ) : route.page === 'classify' ? (
        <PhotoPage>
          <ClassifyPanel />
        </PhotoPage>
      ) : (
        <main className="nb-main">{route.page === 'notebook' ? <NotebookPage name={route.name} hash={route.hash} /> : <NotebookIndex />}</main>
      )}
    </div>
  );
}

/** The explorer and the classify page: the photo picker in the sidebar beside the page's panel. */
function PhotoPage({ children }: { children: ReactNode }) {
  return (
    <main className="app-main">
      <aside className="sidebar">
        <PhotoPicker />
      </aside>
      <div className="content">{children}</div>
    </main>
  );
}
