/**
 * Bit-identity check for kernel rewrites: SHA-256 of every op's GPU outputs (default config at two
 * grids, maps on) and of every backbone's batch-2 GPU logits (PRNG weights), as JSON lines. Run it
 * before and after a change and diff the two files; any differing line names what changed.
 *   VK_DRIVER_FILES=/usr/lib/chromium/vk_swiftshader_icd.json WEBGPU_MODULE=…/webgpu/index.js \
 *     npx vite-node scripts/bitcheck.ts -- --ops=gla,gla2d --overs='[{"tau":4}]' --models=vig-t --size=64 > before.jsonl
 * (--overs: config overrides, each run beside the default config of every op listed;
 *  --wgsl-swap=lib/gemm.wgsl:lib/gemm_x.wgsl,…: hash a variant kernel in the same tree, as the bench's A/B;
 *  --subgroups=0: kernels without subgroup operations on a device that has them, for the same hashes both ways)
 */
import { createHash } from 'node:crypto';
import { GpuContext } from '../src/gpu/context';
import { OPS } from '../src/ops/registry';
import { MODELS } from '../src/models/registry';
import { syntheticParams } from '../src/ops/common/params';
import { prngInput } from '../src/weights/prng';
import { variantFamily } from '../src/parity/model-check';
import { applyTuningFlags } from '../src/bench/tuning-flags';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const list = (v: string) => v.split(',').filter(Boolean);
const sha = (a: Float32Array) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16);

async function main() {
  const mod = (await import(/* @vite-ignore */ process.env.WEBGPU_MODULE ?? 'webgpu')) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
  Object.assign(globalThis, mod.globals);
  const ctx = await GpuContext.acquire(mod.create([]));
  if (arg('subgroups', '1') === '0') ctx.report.subgroups = false;
  applyTuningFlags(arg);
  console.error(`subgroups: ${ctx.report.subgroups}`);
  const ops = arg('ops', 'all') === 'all' ? OPS.map((o) => o.name) : list(arg('ops', ''));
  for (const name of ops) {
    const op = OPS.find((o) => o.name === name)!;
    const overs = [{}, ...(JSON.parse(arg('overs', '[]')) as object[])];
    for (const [h, w, over] of [[7, 10], [14, 14]].flatMap(([h, w]) => overs.map((o) => [h, w, o] as const))) {
      const cfg = { ...op.defaultConfig(h, w), ...over };
      const shape = op.inputShape(cfg);
      const x = Float32Array.from(prngInput(`bitcheck:${name}`, shape.reduce((a: number, b: number) => a * b, 1)));
      const p = syntheticParams(op.paramShapes(cfg));
      const out = await op.gpu!(ctx, x, p, cfg, { maps: true });
      const maps = Object.fromEntries(Object.entries(out.maps).map(([k, v]) => [k, sha(v)]));
      console.log(JSON.stringify({ op: name, grid: `${h}x${w}`, over, y: sha(out.y), maps }));
    }
  }
  for (const v of list(arg('models', ''))) {
    const m = MODELS.find((f) => f.family === variantFamily(v))!;
    const cfg = m.variants[v];
    // --size where the model takes other sizes (LITv2 takes only its own)
    const size = variantFamily(v) === 'litv2' ? m.inputSize(cfg).size : Number(arg('size', String(m.inputSize(cfg).size)));
    const wts = syntheticParams(m.expectedKeys(cfg));
    const x = Float32Array.from(prngInput(`bitcheck:${v}`, 2 * 3 * size * size));
    const r = await m.forwardGpu!(ctx, x, [2, 3, size, size], wts, cfg, { stages: false, timed: false });
    console.log(JSON.stringify({ model: v, size, logits: sha(r.logits) }));
    m.releaseGpu?.(ctx, wts);
  }
  ctx.destroy();
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
