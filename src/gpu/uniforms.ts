/**
 * Named uniforms: every kernel reads its scalars from one `var<uniform>` of a `struct Params` of
 * u32 / i32 / f32 fields, bound last. Host code gives them by field name (`Dispatch.params`); the
 * layout is read from the kernel's WGSL once, when its pipeline is made, and every value set is
 * checked against it — a missing, unknown or misspelt field throws with the kernel's name instead
 * of shifting every later field silently. Fields named `_…` are padding (written as 0).
 */

export type UniformType = 'u32' | 'i32' | 'f32';

export interface UniformLayout {
  /** @binding of the uniform (the last one of the kernel) */
  binding: number;
  fields: Array<{ name: string; type: UniformType }>;
}

/** Values of a kernel's uniform, by field name (booleans as 0/1 are the caller's business). */
export type UniformValues = Record<string, number>;

const UNIFORM_DECL = /@binding\((\d+)\)\s*var<uniform>\s*\w+\s*:\s*(\w+)\s*;/;

/** The uniform layout of an (expanded) kernel, or null when it has none. */
export function uniformLayout(src: string): UniformLayout | null {
  const decl = UNIFORM_DECL.exec(src);
  if (!decl) return null;
  const struct = new RegExp(`struct\\s+${decl[2]}\\s*\\{([^}]*)\\}`).exec(src);
  if (!struct) throw new Error(`uniform struct ${decl[2]} is not defined`);
  const fields = struct[1]
    .replace(/\/\/[^\n]*/g, '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '')
    .map((f) => {
      const m = /^(\w+)\s*:\s*(\w+)$/.exec(f);
      if (!m || !['u32', 'i32', 'f32'].includes(m[2])) throw new Error(`uniform field "${f}": only u32, i32 and f32 scalars are supported`);
      return { name: m[1], type: m[2] as UniformType };
    });
  return { binding: Number(decl[1]), fields };
}

/** The fields host code must give (padding excluded). */
export const requiredFields = (l: UniformLayout): string[] => l.fields.map((f) => f.name).filter((n) => !n.startsWith('_'));

/** `values` laid out as the struct (16-byte multiple); throws on any field mismatch. */
export function encodeUniform(layout: UniformLayout, values: UniformValues, kernel: string): ArrayBuffer {
  const want = requiredFields(layout);
  const missing = want.filter((n) => !(n in values));
  const unknown = Object.keys(values).filter((n) => !want.includes(n));
  if (missing.length || unknown.length) {
    const parts = [missing.length ? `missing ${missing.join(', ')}` : '', unknown.length ? `unknown ${unknown.join(', ')}` : ''].filter(Boolean);
    throw new Error(`${kernel}: uniform fields do not match struct Params (${want.join(', ')}): ${parts.join('; ')}`);
  }
  const ab = new ArrayBuffer(Math.max(16, Math.ceil(layout.fields.length / 4) * 16));
  const dv = new DataView(ab);
  layout.fields.forEach((f, i) => {
    const v = values[f.name] ?? 0;
    if (!Number.isFinite(v)) throw new Error(`${kernel}: uniform ${f.name} = ${v}`);
    if (f.type === 'f32') dv.setFloat32(i * 4, v, true);
    else if (f.type === 'i32') dv.setInt32(i * 4, v, true);
    else {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`${kernel}: uniform ${f.name} is u32, got ${v}`);
      dv.setUint32(i * 4, v, true);
    }
  });
  return ab;
}
