/** public/zoo.json, fetched once per page (React hook + promise). */
import { useEffect, useState } from 'react';
import { parseZoo, type Zoo } from '../../weights/zoo';

let zooPromise: Promise<Zoo> | null = null;

export function loadZoo(): Promise<Zoo> {
  zooPromise ??= fetch(`${import.meta.env.BASE_URL}zoo.json`)
    .then((r) => {
      if (!r.ok) throw new Error(`the model list (zoo.json) could not be loaded (${r.status})`);
      return r.json();
    })
    .then(parseZoo)
    .catch((e) => {
      zooPromise = null; // let a later render try again
      throw e;
    });
  return zooPromise;
}

export function useZoo(): { zoo: Zoo | null; error: string } {
  const [state, setState] = useState<{ zoo: Zoo | null; error: string }>({ zoo: null, error: '' });
  useEffect(() => {
    let live = true;
    loadZoo().then(
      (zoo) => live && setState({ zoo, error: '' }),
      (e: Error) => live && setState({ zoo: null, error: e.message }),
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}
