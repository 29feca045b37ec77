/**
 * Knobs on the trained network, GPU side: at settings off the trained one the WebGPU forward equals
 * the float64 CPU forward with the same setting (logits rel L2 ≤ 1e-3, same top-5) on the six mini
 * fixtures (ViG and LITv2 by default, all six with ATTN_SLOW=1); going back to the official setting
 * gives exactly the knob-less logits (plan cache per setting). ATTN_SLOW=1 adds the fixture photo at 224² and one full-size variant per family (PRNG weights).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { loadMini, top5 } from '../../src/parity/model-check';
import { OFFICIAL, type KnobSetting } from '../../src/models/knobs';
import { relL2 } from '../../src/tensor/tensor';
import { FULL_KNOB_CASES, KNOB_CASES } from '../shared/knob-cases';
import { prngInput } from '../../src/weights/prng';
import { rolloutFromCaptures } from '../../src/models/rollout';
import { hilo } from '../../src/ops/hilo';
import type { HiloConfig } from '../../src/ops/hilo/spec';
import { syntheticParams } from '../../src/ops/common/params';

declare const __ATTN_SLOW__: boolean;

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await GpuContext.acquire(navigator.gpu);
});
afterAll(() => ctx?.destroy());

async function read(rel: string): Promise<Uint8Array> {
  const r = await fetch(`/@fixtures/${rel}`);
  if (!r.ok) throw new Error(`fixture ${rel}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/**
 * `size`: run at size×size on a PRNG input instead of the fixture's 224² photo (the default tier:
 * 12× less work on SwiftShader; LITv2's img_size follows, its weights do not depend on it).
 * `official`: also check the official round trip on the GPU (knob-less → setting → official).
 */
async function gpuEqualsCpu(file: string, setting: KnobSetting, o: { size?: number; official?: boolean } = {}): Promise<void> {
  const m = await loadMini(file, await read(file), read);
  const { impl, w } = m;
  let { cfg, x } = m;
  if (o.size) {
    x = { shape: [1, 3, o.size, o.size], data: prngInput(`knobs:${file}`, 3 * o.size * o.size) };
    if (impl.family === 'litv2') cfg = { ...(cfg as object), imgSize: o.size };
  }
  const x32 = Float32Array.from(x.data);
  const ref = impl.forwardReference(x, w, cfg, setting);
  const base = o.official ? await impl.forwardGpu!(ctx, x32, x.shape, w, cfg, { stages: false }) : null;
  const got = await impl.forwardGpu!(ctx, x32, x.shape, w, cfg, { stages: false, knobs: setting });
  const e = relL2(got.logits, ref.logits.data);
  expect(e, `${file} logits rel L2`).toBeLessThanOrEqual(1e-3);
  expect(top5(got.logits)).toEqual(top5(ref.logits.data));
  if (base) {
    // the knob moved the logits, and the official setting is the knob-less forward, bit for bit
    expect(relL2(got.logits, base.logits)).toBeGreaterThan(1e-4);
    const back = await impl.forwardGpu!(ctx, x32, x.shape, w, cfg, { stages: false, knobs: OFFICIAL });
    expect(Array.from(back.logits)).toEqual(Array.from(base.logits));
  }
  impl.releaseGpu?.(ctx, w);
}

/**
 * Default tier: ViG (τ + direction, and the official round trip) and LITv2 (a padded window). The
 * other four minis cost ~20–30 s each here (SwiftShader compiles their kernels per file): ATTN_SLOW=1.
 */
const DEFAULT_TIER = ['models/vig-mini.safetensors', 'models/litv2-mini.safetensors'];

describe('WebGPU forward = float64 forward at knob settings (minis, 64² input)', () => {
  KNOB_CASES.forEach((c, i) => it.runIf(__ATTN_SLOW__ || DEFAULT_TIER.includes(c.file))(c.file, () => gpuEqualsCpu(c.file, c.setting, { size: 64, official: i === 0 })));
});

describe.runIf(__ATTN_SLOW__)('ATTN_SLOW=1: the minis on the fixture photo, and full-size variants', () => {
  for (const c of KNOB_CASES) it(`${c.file} (224², official round trip)`, () => gpuEqualsCpu(c.file, c.setting, { official: true }));
  for (const c of FULL_KNOB_CASES) it(c.file, () => gpuEqualsCpu(c.file, c.setting), 1_800_000);
});

describe('captures of several sites and the rollout over them', () => {
  it('vig-mini: every block captured in one forward, logits unchanged, rollout a distribution', async () => {
    const file = 'models/vig-mini.safetensors';
    const { impl, cfg, w } = await loadMini(file, await read(file), read);
    const S = 64;
    const x = Float32Array.from(prngInput('knobs:capture', 3 * S * S));
    const knobs: KnobSetting = { scope: 'all', values: { tau: 8 } };
    const sites = impl.attentionSites!(cfg, S, S).map((_, i) => i);
    const plain = await impl.forwardGpu!(ctx, x, [1, 3, S, S], w, cfg, { stages: false, knobs });
    const all = await impl.forwardGpu!(ctx, x, [1, 3, S, S], w, cfg, { stages: false, knobs, capture: sites });
    expect(Array.from(all.logits)).toEqual(Array.from(plain.logits));
    expect(Object.keys(all.captures!).map(Number)).toEqual(sites);
    const one = await impl.forwardGpu!(ctx, x, [1, 3, S, S], w, cfg, { stages: false, knobs, capture: 1 });
    expect(Array.from(one.captured!)).toEqual(Array.from(all.captures![1]));
    const r = await rolloutFromCaptures(impl, cfg, w, S, S, all.captures!, 5, { knobs });
    expect(r.layers).toBe(sites.length);
    expect(r.values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(Math.min(...r.values)).toBeGreaterThanOrEqual(0);
    impl.releaseGpu?.(ctx, w);
  });
});

describe('HiLo at ws = 1 with the trained head split (the network knob)', () => {
  it('both branches, 1×1 windows and unpooled Lo-Fi keys: WebGPU = float64', async () => {
    const cfg: HiloConfig = { dim: 64, heads: 4, alpha: 0.5, ws: 1, lHeads: 2, qkvBias: true, H: 6, W: 7, padded: false };
    const p = syntheticParams(hilo.paramShapes({ ...cfg, ws: 2, lHeads: undefined }), 'knobs:hilo-ws1');
    const x = prngInput('knobs:hilo-ws1:x', 42 * 64);
    const ref = hilo.reference({ shape: [1, 42, 64], data: x }, p, cfg);
    const got = await hilo.gpu!(ctx, Float32Array.from(x), p, cfg, { maps: false });
    expect(relL2(got.y, ref.y.data)).toBeLessThan(1e-4);
  });
});
