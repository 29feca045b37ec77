/**
 * The tfjs wasm backend's binaries as assets of the build: Vite emits them next to the bundle and
 * gives their URLs relative to it, so the no-WebGPU fallback loads them from any deploy path
 * (without this the backend asks for them beside the bundle and gets index.html back).
 */
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { WasmPaths } from '../gpu/tfjs';

export const TFJS_WASM_PATHS: WasmPaths = {
  'tfjs-backend-wasm.wasm': plain,
  'tfjs-backend-wasm-simd.wasm': simd,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedSimd,
};
