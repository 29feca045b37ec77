import { createHash } from 'node:crypto';
import { GpuContext } from '../src/gpu/context';
import { OPS } from '../src/ops/registry';
import { syntheticParams } from '../src/ops/common/params';
import { prngInput } from '../src/weights/prng';
import { includeSwap } from '../src/gpu/wgsl';
const sha = (a: Float32Array) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16);
async function main() {
  const mod = (await import(/* @vite-ignore */ process.env.WEBGPU_MODULE ?? 'webgpu')) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
  Object.assign(globalThis, mod.globals);
  const ctx = await GpuContext.acquire(mod.create([]));
  const swap = process.argv.find((a) => a.startsWith('--swap='))?.slice(7);
  if (swap) includeSwap['lib/flash_attn.wgsl'] = swap;
  const names = (process.argv.find((a) => a.startsWith('--ops='))?.slice(6) ?? 'hilo').split(',');
  for (const name of names) for (const g of [14, 28]) {
    const op = OPS.find((o) => o.name === name)!;
    const cfg = op.defaultConfig(g, g);
    const x = Float32Array.from(prngInput(`ab:${name}`, op.inputShape(cfg).reduce((a: number, b: number) => a * b, 1)));
    const out = await op.gpu!(ctx, x, syntheticParams(op.paramShapes(cfg)), cfg, { maps: false });
    console.log(name, g, swap ?? 'orig', sha(out.y));
  }
  process.exit(0);
}
void main();
