/** The free explorer: any op, any knob, on your photo (no notebook). */
import { PhotoPicker } from './PhotoPicker';
import { OpExplorer } from './OpExplorer';

export function ExplorerPage() {
  return (
    <main className="app-main">
      <aside className="sidebar">
        <PhotoPicker />
      </aside>
      <div className="content">
        <OpExplorer />
      </div>
    </main>
  );
}
