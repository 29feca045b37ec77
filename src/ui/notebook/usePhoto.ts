/** The decoded photo for a name (see photos.ts); keeps the previous photo while the next one loads; and the view cells' photo and tokens. */
import { useEffect, useMemo, useState } from 'react';
import { patchEmbed, previewRgba, type RgbImage } from '../../image/pixels';
import type { Tensor } from '../../tensor/tensor';
import { DEFAULT_PHOTO, loadPhoto } from './photos';
import { useNotebook } from './store';

/** `shown`: the name of the photo returned (the previous one while `name` loads). */
export function usePhoto(name: string): { photo: RgbImage | null; error: string; shown: string } {
  const [state, setState] = useState<{ name: string; photo: RgbImage | null; error: string }>({ name: '', photo: null, error: '' });
  useEffect(() => {
    let live = true;
    loadPhoto(name).then(
      (photo) => live && setState({ name, photo, error: '' }),
      (e: Error) => live && setState({ name, photo: null, error: e.message }),
    );
    return () => {
      live = false;
    };
  }, [name]);
  return state.name === name ? { ...state, shown: name } : { photo: state.photo, error: '', shown: state.photo ? state.name : '' };
}

/** Size of the photo drawn under the maps. */
export const PREVIEW = 224;

/**
 * The photo a view cell draws on: its own `image` setting, else the notebook's front-matter
 * image, else the default sample — decoded, with its preview pixels for the maps.
 */
export function useViewPhoto(config: Record<string, unknown>): { photo: RgbImage | null; error: string; shown: string; preview: Uint8ClampedArray<ArrayBuffer> | null } {
  const metaImage = useNotebook((s) => s.graph.notebook.meta.image);
  const name = typeof config.image === 'string' && config.image ? config.image : (metaImage ?? DEFAULT_PHOTO);
  const p = usePhoto(name);
  const preview = useMemo(() => (p.photo ? previewRgba(p.photo, PREVIEW) : null), [p.photo]);
  return { ...p, preview };
}

/** The photo's patch-embedded tokens for a grid and width (null until both are known, or if the grid does not fit). */
export function usePatchTokens(photo: RgbImage | null, grid: number | undefined, dim: number | undefined): Tensor | null {
  return useMemo(() => {
    if (!photo || grid === undefined || dim === undefined) return null;
    try {
      return patchEmbed(photo, grid, dim);
    } catch {
      return null;
    }
  }, [photo, grid, dim]);
}
