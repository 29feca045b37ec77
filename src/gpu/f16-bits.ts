/**
 * f32 ⇄ IEEE binary16 bit patterns for half-precision storage buffers. Node 20 and some browsers
 * have no native Float16Array; the well-kept @petamoriken/float16 polyfill does the rounding.
 */
import { Float16Array } from '@petamoriken/float16';

/** Round each value to f16 (nearest, ties to even) and return the bit patterns. */
export function toF16Bits(data: Float32Array): Uint16Array {
  const h = new Float16Array(data.length);
  h.set(data);
  return new Uint16Array(h.buffer);
}

let table: Float32Array | null = null;

/**
 * f16 bit patterns (in the low 16 bits of each element) as f32 values. Decoding goes through a
 * 64K-entry table built once with the polyfill: reading its elements one by one costs ~0.4 µs
 * each (a stage output of 200k values would take 70 ms).
 */
export function fromF16Bits(bits: Uint16Array | Uint32Array): Float32Array {
  if (!table) table = Float32Array.from(new Float16Array(Uint16Array.from({ length: 65536 }, (_, i) => i).buffer));
  const t = table;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i] & 0xffff];
  return out;
}
