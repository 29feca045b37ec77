import { useEffect } from 'react';
import { GpuBadge } from './GpuBadge';
import { PhotoPicker } from './PhotoPicker';
import { OpExplorer } from './OpExplorer';
import { useGpu } from '../state/gpu';

export function App() {
  const init = useGpu((s) => s.init);
  useEffect(() => {
    void init();
  }, [init]);
  return (
    <div className="app">
      <header className="app-header">
        <h1>Attention Notebook</h1>
        <GpuBadge />
      </header>
      <main className="app-main">
        <aside className="sidebar">
          <PhotoPicker />
        </aside>
        <div className="content">
          <OpExplorer />
        </div>
      </main>
    </div>
  );
}
