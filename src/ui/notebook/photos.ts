/**
 * Photos for notebook views by name: a shipped sample ("chelsea" or "chelsea.png") or "yours"
 * (the photo the user picked or dropped, kept in the session store). Samples are decoded once.
 */
import { loadSample, SAMPLE_IMAGES } from '../../image/decode';
import type { RgbImage } from '../../image/pixels';
import { useSession } from '../../state/session';

export const USER_PHOTO = 'yours';
export const DEFAULT_PHOTO = 'chelsea';

const cache = new Map<string, Promise<RgbImage>>();

export function sampleFor(name: string) {
  const n = name.toLowerCase();
  return SAMPLE_IMAGES.find((s) => s.file.toLowerCase() === n || s.file.toLowerCase().replace(/\.[a-z]+$/, '') === n);
}

export function photoNames(): string[] {
  return SAMPLE_IMAGES.map((s) => s.file.replace(/\.[a-z]+$/, ''));
}

export function loadPhoto(name: string): Promise<RgbImage> {
  if (name === USER_PHOTO) {
    const p = useSession.getState().photo;
    return p ? Promise.resolve(p.rgb) : Promise.reject(new Error('No photo of yours yet: choose or drop one in an image param (or in the Explorer).'));
  }
  const s = sampleFor(name);
  if (!s) return Promise.reject(new Error(`There is no image \`${name}\`; the images are ${photoNames().join(', ')} and ${USER_PHOTO}.`));
  let p = cache.get(s.file);
  if (!p) {
    p = loadSample(s.file);
    cache.set(s.file, p);
    p.catch(() => cache.delete(s.file));
  }
  return p;
}
