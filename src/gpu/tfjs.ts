/**
 * Hands our GPUDevice to tfjs's WebGPU backend so backbone layers (tfjs ops) and our own kernels
 * share one device and its buffers. Without WebGPU, tfjs falls back to wasm, then cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-cpu';

export async function initTfjs(device: GPUDevice | null): Promise<string> {
  if (device) {
    if (!tf.findBackend('webgpu-shared')) {
      tf.registerBackend('webgpu-shared', () => new WebGPUBackend(device), 3);
    }
    if (await tf.setBackend('webgpu-shared')) {
      await tf.ready();
      return tf.getBackend();
    }
  }
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (await tf.setBackend('wasm')) return 'wasm';
  } catch {
    // wasm binaries unavailable: cpu below
  }
  await tf.setBackend('cpu');
  return 'cpu';
}
