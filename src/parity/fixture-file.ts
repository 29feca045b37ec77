/** A fixture file: its safetensors tensors plus the parsed `meta` JSON. */
import { readSafetensors, type SafetensorsFile } from '../weights/safetensors';
import type { Tensor } from '../tensor/tensor';

export interface FixtureFile {
  path: string;
  st: SafetensorsFile;
  meta: Record<string, unknown> & { op?: string; model?: string; config?: Record<string, unknown> };
}

export function openFixture(path: string, bytes: Uint8Array): FixtureFile {
  const st = readSafetensors(bytes, path);
  let meta: FixtureFile['meta'] = {};
  const raw = st.metadata.meta;
  if (raw) {
    try {
      meta = JSON.parse(raw);
    } catch {
      throw new Error(`${path}: __metadata__.meta is not valid JSON`);
    }
  }
  return { path, st, meta };
}

export function fixtureTensor(f: FixtureFile, name: string): Tensor {
  const t = f.st.tensors.get(name);
  if (!t) throw new Error(`${f.path}: no tensor '${name}'`);
  return { shape: [...t.shape], data: t.values() };
}
