/** A small CPU tensor: a row-major shape over float64 (references) or float32 (GPU I/O) data. */
export interface Tensor {
  shape: number[];
  data: Float64Array;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function tensor(shape: number[], data?: ArrayLike<number>): Tensor {
  const n = numel(shape);
  const out = new Float64Array(n);
  if (data) {
    if (data.length !== n) throw new Error(`tensor: ${data.length} values for shape [${shape}]`);
    out.set(data as ArrayLike<number>);
  }
  return { shape: [...shape], data: out };
}

export function zeros(shape: number[]): Tensor {
  return tensor(shape);
}

export function reshape(t: Tensor, shape: number[]): Tensor {
  const inferred = shape.indexOf(-1);
  const s = [...shape];
  if (inferred >= 0) s[inferred] = numel(t.shape) / -numel(shape);
  if (numel(s) !== numel(t.shape)) throw new Error(`reshape: [${t.shape}] -> [${shape}]`);
  return { shape: s, data: t.data };
}

/** Generic permutation of axes (copying). */
export function permute(t: Tensor, axes: number[]): Tensor {
  const nd = t.shape.length;
  const outShape = axes.map((a) => t.shape[a]);
  const inStrides = strides(t.shape);
  const out = new Float64Array(t.data.length);
  const idx = new Array<number>(nd).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < nd; d++) src += idx[d] * inStrides[axes[d]];
    out[o] = t.data[src];
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return { shape: outShape, data: out };
}

export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** ‖a − b‖₂ / ‖b‖₂, the fixtures' relative L2 error (b is the reference). */
export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    const d = a[i] - b[i];
    num += d * d;
    den += b[i] * b[i];
  }
  if (!Number.isFinite(num)) return Infinity;
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** Index of the largest value (the first one on ties). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
