/** Sample photos, drop, paste and file picker. Bad files leave the current photo in place. */
import { useEffect, useRef, useState, type DragEvent } from 'react';
import { decodeImage, loadSample, SAMPLE_IMAGES } from '../image/decode';
import { useSession, type Photo } from '../state/session';
import { FileInput } from './FileInput';

export function PhotoPicker() {
  const { photo, photoError, setPhoto, setPhotoError } = useSession();
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const load = async (read: () => Promise<Photo>) => {
    setBusy(true);
    try {
      setPhoto(await read());
    } catch (e) {
      setPhotoError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const take = (blob: Blob, name: string) => load(async () => ({ name, rgb: await decodeImage(blob, name) }));
  const sample = (file: string, credit: string) => load(async () => ({ name: file, rgb: await loadSample(file), credit }));
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file');
      const f = item?.getAsFile();
      if (f) void take(f, f.name || 'pasted image');
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  });
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const f = e.dataTransfer.files[0];
    if (f) void take(f, f.name);
  };

  return (
    <section className="photo-picker" aria-label="Photo">
      <h2>Photo</h2>
      <div className="samples" role="list">
        {SAMPLE_IMAGES.map((s) => (
          <button
            key={s.file}
            role="listitem"
            className={`sample ${photo?.name === s.file ? 'selected' : ''}`}
            onClick={() => void sample(s.file, `${s.title} (${s.licence})`)}
            title={`${s.title} — ${s.licence}`}
            data-sample={s.file}
          >
            <img src={`${import.meta.env.BASE_URL}samples/${s.file}`} alt={s.title} width={64} height={64} />
          </button>
        ))}
      </div>
      <div
        className={`dropzone ${over ? 'over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        Drop a photo here, paste one (Ctrl+V), or{' '}
        <button className="link" onClick={() => input.current?.click()}>
          choose a file
        </button>
        <FileInput ref={input} accept="image/*" testId="photo-input" onFile={(f) => void take(f, f.name)} />
      </div>
      {busy ? <p className="muted">decoding…</p> : null}
      {photoError ? (
        <p className="error" role="alert">
          {photoError}
        </p>
      ) : null}
      {photo ? (
        <p className="muted photo-meta">
          {photo.name} · {photo.rgb.width}×{photo.rgb.height}
          {photo.credit ? ` · ${photo.credit}` : ''}
        </p>
      ) : null}
    </section>
  );
}
