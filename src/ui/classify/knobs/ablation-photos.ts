/**
 * The photo set of the ablation (shared by the Classify page and the notebook's ablate view):
 * dropped files, a dropped or chosen folder (walked recursively), multi-selected files, or the
 * shipped samples. Non-images are skipped with a line each; the set keeps what decoded.
 */
import { create } from 'zustand';
import { decodeImage, loadSample, SAMPLE_IMAGES } from '../../../image/decode';
import type { RgbImage } from '../../../image/pixels';

export interface AblationPhoto {
  name: string;
  rgb: RgbImage;
}

interface AblationPhotosState {
  photos: AblationPhoto[];
  skipped: string[];
  busy: string;
  set(p: Partial<Omit<AblationPhotosState, 'set'>>): void;
}

export const useAblationPhotos = create<AblationPhotosState>((set) => ({ photos: [], skipped: [], busy: '', set: (p) => set(p) }));

const st = () => useAblationPhotos.getState();
/** Photos are decoded into memory (downscaled to 2048 px at most): keep the set bounded. */
export const MAX_PHOTOS = 500;

const IMAGE_NAME = /\.(png|jpe?g|webp|gif|avif|bmp)$/i;

async function addDecoded(items: Array<{ name: string; read(): Promise<RgbImage> }>): Promise<void> {
  const skipped: string[] = [];
  for (const [i, it] of items.entries()) {
    if (st().photos.length >= MAX_PHOTOS) {
      skipped.push(`${items.length - i} more: the set holds at most ${MAX_PHOTOS} photos`);
      break;
    }
    st().set({ busy: `decoding ${i + 1} of ${items.length}: ${it.name}` });
    try {
      const rgb = await it.read();
      // named when it joins the set (another drop may have added the same name meanwhile)
      const have = new Set(st().photos.map((p) => p.name));
      let name = it.name;
      for (let k = 2; have.has(name); k++) name = `${it.name} (${k})`;
      st().set({ photos: [...st().photos, { name, rgb }] });
    } catch (e) {
      skipped.push((e as Error).message);
    }
  }
  st().set({ skipped: [...st().skipped, ...skipped], busy: '' });
}

/** Files (a multi-selection, or a folder's files): images by type or name; others are skipped. */
export function addFiles(files: readonly File[]): Promise<void> {
  const imgs = files.filter((f) => f.type.startsWith('image/') || IMAGE_NAME.test(f.name));
  const others = files.filter((f) => !imgs.includes(f));
  if (others.length) st().set({ skipped: [...st().skipped, ...others.map((f) => `${f.webkitRelativePath || f.name} is not an image: skipped`)] });
  return addDecoded(imgs.map((f) => ({ name: f.webkitRelativePath || f.name, read: () => decodeImage(f, f.name) })));
}

/** A drop: files and folders (folders walked recursively through the entries API where the browser has it). */
export async function addDrop(dt: DataTransfer): Promise<void> {
  const entries = Array.from(dt.items ?? [])
    .map((it) => (typeof it.webkitGetAsEntry === 'function' ? it.webkitGetAsEntry() : null))
    .filter((e): e is FileSystemEntry => e !== null);
  if (!entries.length) return addFiles(Array.from(dt.files));
  const files: File[] = [];
  const walk = async (e: FileSystemEntry, path: string): Promise<void> => {
    if (e.isFile) files.push(await new Promise<File>((res, rej) => (e as FileSystemFileEntry).file((f) => res(new File([f], path + f.name, { type: f.type })), rej)));
    else if (e.isDirectory) {
      const reader = (e as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const c of batch) await walk(c, `${path}${e.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, '');
  return addFiles(files);
}

export function addSamples(): Promise<void> {
  return addDecoded(SAMPLE_IMAGES.map((s) => ({ name: s.file, read: () => loadSample(s.file) })));
}

export function clearPhotos(): void {
  st().set({ photos: [], skipped: [] });
}
