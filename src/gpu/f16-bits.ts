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

/** f16 bit patterns (in the low 16 bits of each element) as f32 values. */
export function fromF16Bits(bits: Uint16Array | Uint32Array): Float32Array {
  const u = bits instanceof Uint16Array ? bits : Uint16Array.from(bits, (v) => v & 0xffff);
  return Float32Array.from(new Float16Array(u.buffer, u.byteOffset, u.length));
}
