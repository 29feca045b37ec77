/** Drop a .md file onto a page area to open it (images are left to the photo pickers). */
import { useState, type DragEvent } from 'react';

const isNotebookFile = (f: File) => /\.(md|markdown|txt)$/i.test(f.name) || /^text\//.test(f.type);

export function useFileDrop(onFile: (f: File) => void) {
  const [over, setOver] = useState(false);
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer.types).includes('Files');
  return {
    over,
    handlers: {
      onDragOver: (e: DragEvent) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setOver(true);
      },
      onDragLeave: (e: DragEvent) => {
        if (e.currentTarget === e.target) setOver(false);
      },
      onDrop: (e: DragEvent) => {
        if (!hasFiles(e)) return;
        setOver(false);
        const f = e.dataTransfer.files[0];
        if (!f || (!isNotebookFile(f) && f.type.startsWith('image/'))) return;
        e.preventDefault();
        onFile(f);
      },
    },
  };
}
