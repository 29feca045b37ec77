/** The decoded photo for a name (see photos.ts); keeps the previous photo while the next one loads. */
import { useEffect, useState } from 'react';
import type { RgbImage } from '../../image/pixels';
import { loadPhoto } from './photos';

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
