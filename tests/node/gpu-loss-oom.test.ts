/**
 * GpuContext's device-loss and out-of-memory handling, on a scripted GPUDevice (the error scopes,
 * the lost promise and the limits are what is under test; the e2e script app checks a real one).
 */
import { describe, expect, it } from 'vitest';
import { BU, GpuContext, GpuDeviceLostError, GpuOutOfMemoryError } from '../../src/gpu/context';

const MB = 2 ** 20;

function fakeGpu(opts: { maxBufferSize?: number; maxStorage?: number } = {}) {
  let loseDevice!: (info: { reason: string; message: string }) => void;
  const scopes: Array<{ filter: string; errors: Array<{ message: string }> }> = [];
  const made: number[] = [];
  const limits = {
    maxBufferSize: opts.maxBufferSize ?? 256 * MB,
    maxStorageBufferBindingSize: opts.maxStorage ?? 128 * MB,
    maxComputeWorkgroupStorageSize: 16384,
    maxComputeInvocationsPerWorkgroup: 256,
    maxStorageBuffersPerShaderStage: 8,
  };
  const device = {
    features: new Set<string>(),
    limits,
    lost: new Promise((r) => (loseDevice = r)),
    pushErrorScope: (filter: string) => scopes.push({ filter, errors: [] }),
    popErrorScope: async () => scopes.pop()!.errors[0] ?? null,
    createBuffer: ({ size }: { size: number }) => {
      made.push(size);
      return { size, destroy() {}, getMappedRange: () => new ArrayBuffer(size), unmap() {} };
    },
    destroy: () => loseDevice({ reason: 'destroyed', message: '' }),
  };
  const adapter = { features: new Set<string>(), limits, info: { vendor: 'test', architecture: '', description: '' }, requestDevice: async () => device };
  const gpu = { requestAdapter: async () => adapter } as unknown as GPU;
  /** an out-of-memory error as the GPU reports it into the innermost open scope */
  const oom = () => scopes.filter((s) => s.filter === 'out-of-memory').at(-1)!.errors.push({ message: 'Out of memory' });
  return { gpu, device, made, scopes, oom, lose: (message: string) => loseDevice({ reason: 'unknown', message }) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('GpuContext: buffers over the device limits', () => {
  it('refuses a storage buffer over min(maxBufferSize, maxStorageBufferBindingSize) before making it, with both sizes', async () => {
    const f = fakeGpu({ maxBufferSize: 256 * MB, maxStorage: 128 * MB });
    const ctx = await GpuContext.acquire(f.gpu);
    expect(ctx.maxStorageBytes).toBe(128 * MB);
    expect(() => ctx.scratch((200 * MB) / 4)).toThrow(GpuOutOfMemoryError);
    expect(() => ctx.scratch((200 * MB) / 4)).toThrow('this needs a GPU buffer of 200.0 MB but this GPU allows at most 128.0 MB per buffer');
    expect(() => ctx.scratch(32 * MB + 1)).toThrow(`of ${128 * MB + 4} bytes but this GPU allows at most ${128 * MB} bytes`);
    expect(f.made.filter((s) => s > 128 * MB)).toEqual([]);
    // at the limit, and uploads below it, are made
    ctx.scratch(32 * MB);
    ctx.upload(new Float32Array(1000));
    expect(f.made.at(-2)).toBe(128 * MB);
  });
  it('a non-storage buffer may reach maxBufferSize', async () => {
    const f = fakeGpu({ maxBufferSize: 256 * MB, maxStorage: 128 * MB });
    const ctx = await GpuContext.acquire(f.gpu);
    ctx.scratch((200 * MB) / 4, BU.COPY_DST | BU.MAP_READ);
    expect(f.made.at(-1)).toBe(200 * MB);
    expect(() => ctx.scratch((300 * MB) / 4, BU.COPY_DST | BU.MAP_READ)).toThrow(GpuOutOfMemoryError);
  });
});

describe('GpuContext.guard', () => {
  it('turns an out-of-memory error scope into a GpuOutOfMemoryError naming the work, and balances its scopes', async () => {
    const f = fakeGpu();
    const ctx = await GpuContext.acquire(f.gpu);
    const err = await ctx.guard('the forward pass', async () => f.oom()).catch((e: Error) => e);
    expect(err).toBeInstanceOf(GpuOutOfMemoryError);
    expect((err as Error).message).toMatch(/^the forward pass: the GPU ran out of memory \(Out of memory\)\. Try a smaller batch/);
    expect(f.scopes).toHaveLength(0);
    expect(await ctx.guard('ok', async () => 42)).toBe(42);
    expect(f.scopes).toHaveLength(0);
  });
  it('passes other errors through and still pops its scope', async () => {
    const f = fakeGpu();
    const ctx = await GpuContext.acquire(f.gpu);
    await expect(ctx.guard('x', async () => { throw new TypeError('bad'); })).rejects.toThrow(TypeError);
    expect(f.scopes).toHaveLength(0);
  });
  it('a device lost during the work fails it as GpuDeviceLostError', async () => {
    const f = fakeGpu();
    const ctx = await GpuContext.acquire(f.gpu);
    const err = await ctx.guard('mhsa', async () => {
      f.lose('GPU reset');
      await tick();
      return new Float32Array(4); // what a lost device reads back: zeros
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(GpuDeviceLostError);
    expect((err as Error).message).toBe('mhsa: the GPU device was lost (GPU reset)');
  });
});

describe('GpuContext device loss', () => {
  it('tells listeners about a loss, including destroy() from elsewhere, but not about its own destroy()', async () => {
    const a = fakeGpu();
    const ctxA = await GpuContext.acquire(a.gpu);
    const heard: string[] = [];
    ctxA.onLost((r) => heard.push(r));
    a.device.destroy(); // e.g. a test or another part of the page
    await tick();
    expect(heard).toEqual(['the device was destroyed']);
    expect(ctxA.lostReason).not.toBeNull();

    const b = fakeGpu();
    const ctxB = await GpuContext.acquire(b.gpu);
    const heardB: string[] = [];
    ctxB.onLost((r) => heardB.push(r));
    ctxB.destroy();
    await tick();
    expect(heardB).toEqual([]);
  });
});
