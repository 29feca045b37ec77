import { describe, expect, it } from 'vitest';
import { conv2d, erf, gelu, layerNorm, linear, matmul, softmax, avgPool2d, groupNorm, logSigmoid } from '../../src/tensor/ops';
import { permute, relL2, tensor } from '../../src/tensor/tensor';
import { fnv1a32, prngValues, prngInput } from '../../src/weights/prng';
import { readSafetensors, CheckpointFormatError, halfToFloat } from '../../src/weights/safetensors';

describe('float64 reference ops', () => {
  it('erf matches known values to 1e-14', () => {
    const known: Array<[number, number]> = [[0, 0], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [3, 0.9999779095030014], [-1.5, -0.9661051464753108], [5, 0.9999999999984626]];
    for (const [x, v] of known) expect(Math.abs(erf(x) - v)).toBeLessThan(1e-14);
    expect(gelu(1)).toBeCloseTo(0.8413447460685429, 14);
  });
  it('logSigmoid is stable for large inputs', () => {
    expect(logSigmoid(-800)).toBe(-800);
    expect(logSigmoid(800)).toBe(-0);
    expect(logSigmoid(0)).toBeCloseTo(-Math.LN2, 15);
  });
  it('matmul and linear agree (W layout [out,in])', () => {
    const x = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
    const w = tensor([2, 3], [1, 0, -1, 2, 1, 0]);
    const b = tensor([2], [0.5, -0.5]);
    expect(Array.from(linear(x, w, b).data)).toEqual([-1.5, 3.5, -1.5, 12.5]);
    const wt = permute(w, [1, 0]);
    expect(Array.from(matmul(x, wt).data)).toEqual([-2, 4, -2, 13]);
  });
  it('softmax rows sum to 1 and layerNorm has zero mean', () => {
    const s = softmax(tensor([2, 4], [1, 2, 3, 4, -1, 0, 1000, 1]));
    expect(s.data[0] + s.data[1] + s.data[2] + s.data[3]).toBeCloseTo(1, 14);
    expect(s.data[6]).toBeCloseTo(1, 14);
    const n = layerNorm(tensor([1, 4], [1, 2, 3, 4]));
    expect(n.data.reduce((a, v) => a + v, 0)).toBeCloseTo(0, 12);
  });
  it('conv2d: stride, padding, groups; avg pool; group norm', () => {
    const x = tensor([1, 2, 3, 3], Array.from({ length: 18 }, (_, i) => i));
    const w = tensor([2, 1, 3, 3], Array(18).fill(1));
    const y = conv2d(x, w, undefined, { padding: 1, groups: 2 });
    expect(y.shape).toEqual([1, 2, 3, 3]);
    expect(y.data[4]).toBe(36); // centre of channel 0 = sum 0..8
    expect(y.data[0]).toBe(0 + 1 + 3 + 4);
    const ys = conv2d(x, w, undefined, { padding: 1, stride: 2, groups: 2 });
    expect(ys.shape).toEqual([1, 2, 2, 2]);
    expect(Array.from(avgPool2d(tensor([1, 1, 2, 2], [1, 2, 3, 4]), 2).data)).toEqual([2.5]);
    const g = groupNorm(tensor([1, 2, 1, 2], [1, 3, 5, 7]), 1);
    expect(g.data[0]).toBeCloseTo(-3 / Math.sqrt(5 + 1e-5), 12);
  });
  it('relL2 is the fixtures rule', () => {
    expect(relL2([1, 2], [1, 2])).toBe(0);
    expect(relL2([1.1, 2], [1, 2])).toBeCloseTo(0.1 / Math.sqrt(5), 12);
    expect(relL2([1], [1, 2])).toBe(Infinity);
  });
});

describe('PRNG weights (fixtures/README.md)', () => {
  it('matches the README prng_check vectors of the mhsa fixture', () => {
    expect(fnv1a32('attnbook-v1proj.bias')).toBe(3426886499);
    const v = prngValues('proj.weight', [64, 64])!;
    expect(Math.fround(v[0])).toBe(Math.fround(-0.028626248240470886));
    expect(Math.fround(v[3])).toBe(Math.fround(0.09982359409332275));
    const b = prngValues('qkv.bias', [192])!;
    expect(Math.fround(b[1])).toBe(Math.fround(-0.006131219677627087));
  });
  it('applies the value rules in order', () => {
    expect(prngValues('bn.num_batches_tracked', [])).toBeNull();
    const rv = prngValues('bn.running_var', [8])!;
    expect(Math.min(...rv)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...rv)).toBeLessThan(1.5);
    const w1 = prngValues('norm.weight', [8])!;
    expect(Math.max(...w1.map((v) => Math.abs(v - 1)))).toBeLessThanOrEqual(0.1);
    expect(Array.from(prngValues('scalar', [])!)).toEqual([0]);
    const x = prngInput('input:mhsa__base', 4);
    expect(x.every((v) => Math.abs(v) <= 2)).toBe(true);
  });
});

describe('safetensors reader', () => {
  const make = (header: object, data: Uint8Array) => {
    const h = new TextEncoder().encode(JSON.stringify(header));
    const buf = new Uint8Array(8 + h.length + data.length);
    new DataView(buf.buffer).setBigUint64(0, BigInt(h.length), true);
    buf.set(h, 8);
    buf.set(data, 8 + h.length);
    return buf;
  };
  it('reads F32, F16 and BF16', () => {
    const f32 = new Float32Array([1.5, -2]);
    const f16 = new Uint16Array([0x3c00, 0xc000]); // 1, -2
    const bf16 = new Uint16Array([0x3fc0, 0xc000]); // 1.5, -2
    const data = new Uint8Array([...new Uint8Array(f32.buffer), ...new Uint8Array(f16.buffer), ...new Uint8Array(bf16.buffer)]);
    const st = readSafetensors(make({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F16', shape: [2], data_offsets: [8, 12] }, c: { dtype: 'BF16', shape: [2], data_offsets: [12, 16] }, __metadata__: { k: 'v' } }, data));
    expect(Array.from(st.tensors.get('a')!.values())).toEqual([1.5, -2]);
    expect(Array.from(st.tensors.get('b')!.values())).toEqual([1, -2]);
    expect(Array.from(st.tensors.get('c')!.values())).toEqual([1.5, -2]);
    expect(st.metadata.k).toBe('v');
    expect(halfToFloat(0x7bff)).toBe(65504);
  });
  it('refuses truncated and malformed files with a message', () => {
    const good = make({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(16));
    expect(() => readSafetensors(good.subarray(0, good.length - 4))).toThrow(CheckpointFormatError);
    expect(() => readSafetensors(new Uint8Array(4))).toThrow(/too short/);
    expect(() => readSafetensors(make({ a: { dtype: 'Q7', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)))).toThrow(/dtype/);
    expect(() => readSafetensors(make({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)))).toThrow(/byte range/);
    const bad = new Uint8Array(20);
    new DataView(bad.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => readSafetensors(bad)).toThrow(/header length/);
  });
});
