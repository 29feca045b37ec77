/**
 * Hands our GPUDevice to tfjs's WebGPU backend so backbone layers (tfjs ops) and our own kernels
 * share one device and its buffers. Without WebGPU, tfjs falls back to wasm, then cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-cpu';

const SHARED = 'webgpu-shared';

/** Where the wasm backend's binaries are served from (the built app ships them; see src/app-shell/tfjs-wasm.ts). */
export type WasmPaths = Partial<Record<'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm', string>>;

export async function initTfjs(device: GPUDevice | null, opts: { wasmPaths?: WasmPaths } = {}): Promise<string> {
  if (device) {
    // a backend of an older (lost or destroyed) device goes; the new device gets a fresh one
    const have = tf.engine().registry[SHARED] as WebGPUBackend | undefined;
    if (have && have.device !== device) tf.removeBackend(SHARED);
    if (!tf.findBackend(SHARED)) {
      tf.registerBackend(SHARED, () => new WebGPUBackend(device), 3);
    }
    // tfjs finds kernels by backend name and the WebGPU package registers them for 'webgpu' only
    for (const k of tf.getKernelsForBackend('webgpu')) {
      if (!tf.getKernel(k.kernelName, SHARED)) tf.registerKernel({ ...k, backendName: SHARED });
    }
    if (await tf.setBackend(SHARED)) {
      await tf.ready();
      return tf.getBackend();
    }
  }
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (opts.wasmPaths) wasm.setWasmPaths(opts.wasmPaths);
    if (await tf.setBackend('wasm')) return 'wasm';
  } catch {
    // wasm binaries unavailable: cpu below
  }
  await tf.setBackend('cpu');
  return 'cpu';
}
