/** The Classify page of the app shell: the photo picker beside the classify panel. */
import { PhotoPicker } from '../PhotoPicker';
import { ClassifyPanel } from './ClassifyPanel';

export function ClassifyPage() {
  return (
    <main className="app-main">
      <aside className="sidebar">
        <PhotoPicker />
      </aside>
      <div className="content">
        <ClassifyPanel />
      </div>
    </main>
  );
}
