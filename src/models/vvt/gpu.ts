/**
 * WebGPU forward of VVT (VicinityVisionTransformer.forward, eval) with our kernels. Per stage:
 * OverlapPatchEmbed (conv2d_gemm: k7 s4 p3 on the image, k3 s2 p1 on the previous stage's tokens →
 * LayerNorm eps 1e-5), Blocks [LN1 → Vicinity attention (src/ops/vicinity through
 * vicinityDispatches, the whole batch in one dispatch list) → residual; LN2 → Mlp (Linear →
 * depthwise 3×3 + GELU (dwconv) → Linear) → residual], stage LayerNorm (eps 1e-6) = the
 * stage output, tokens [B, H·W, C] as in the fixtures. Then token mean → head.
 * Residual adds are fused into the following LayerNorm (add_norm: sum = x + delta, out = LN(sum));
 * the last block's add feeds the stage norm directly. VVT has no BatchNorm, so nothing is folded.
 * Linears and patch convs whose output tiles cannot fill the GPU (late stages at small batch) are
 * split over K (gemm.ts).
 *
 * As the ViG / LITv2 forwards: weights are uploaded once per (GpuContext, weights object); the
 * activation buffers, uniforms and bind groups form a plan cached for the last (batch, H, W,
 * capture, config); a forward is one submit (input write, one compute pass per stage, timestamped
 * when possible, one pass for the head, read-backs). Any batch size and input size.
 */
import type { GpuContext } from '../../gpu/context';
import type { Params } from '../../ops/types';
import { uploadVicinityWeights, vicinityDispatches } from '../../ops/vicinity/gpu';
import { dwconvDispatch, runBackbonePlan, PlanBuilder, GpuWeightStore, WeightStores, type BackbonePlan, type NormSpec, captures, captureSites } from '../../gpu/plan';
import type { GpuForwardOptions, GpuForwardResult, ModelInput } from '../types';
import { subParams } from '../nn-cpu';
import { vvtAttentionSites, vvtAttnConfig, vvtGrids, vvtPatchConv, type VvtConfig } from './config';
import type { VicinityConfig } from '../../ops/vicinity/spec';
import { settingKey } from '../knobs';
import { knobSites } from '../knob-apply';

const LN_BLOCK_EPS = 1e-6;
const LN_PATCH_EPS = 1e-5;

type WeightStore = GpuWeightStore<BackbonePlan>;
const stores = new WeightStores((ctx, w) => new GpuWeightStore<BackbonePlan>(ctx, w, (key) => `vvt: missing weight '${key}'`));

/** Drop the GPU copies of `w` (weights and cached activations) now instead of at GC. */
export function releaseVvtGpu(ctx: GpuContext, w: Params): void {
  stores.release(ctx, w);
}


/** LayerNorm `prefix` ('block1.0.norm2', 'norm4', …) as a norm spec's weight/bias. */
const lnOf = (st: WeightStore, prefix: string, eps = LN_BLOCK_EPS) => ({ mode: 'ln' as const, weight: st.get(`${prefix}.weight`), bias: st.get(`${prefix}.bias`), eps });

/**
 * Mlp on n [BL, C]: fc1 → depthwise 3×3 + bias → GELU → fc2, then the block's tail: tail.x + fc2's
 * output → tail.sum and the next LayerNorm (PlanBuilder.linearNorm: a split fc2 is summed there).
 */
function mlp(pb: PlanBuilder, st: WeightStore, prefix: string, n: GPUBuffer, B: number, H: number, W: number, C: number, tail: Omit<NormSpec, 'rows' | 'C' | 'delta' | 'split'>): void {
  const BL = B * H * W;
  const hidden = st.tensor(`${prefix}.fc1.weight`).shape[0];
  const h = pb.scratch('mlp.h', BL * hidden);
  const g = pb.scratch('mlp.g', BL * hidden);
  pb.linear(n, st.get(`${prefix}.fc1.weight`), st.get(`${prefix}.fc1.bias`), h, BL, hidden, C);
  pb.add(dwconvDispatch(pb.ctx, h, st.get(`${prefix}.dwconv.dwconv.weight`), st.get(`${prefix}.dwconv.dwconv.bias`), g, { B, H, W, C: hidden, k: 3, pad: 1, act: 'gelu' }));
  pb.linearNorm(g, st.get(`${prefix}.fc2.weight`), st.get(`${prefix}.fc2.bias`), BL, C, hidden, tail);
}

function vvtPlan(ctx: GpuContext, st: WeightStore, c: VvtConfig, B: number, H: number, W: number, captureAt: number | number[] | undefined, key: string, sites: VicinityConfig[] | null): BackbonePlan {
  const pb = new PlanBuilder(ctx);
  const grids = vvtGrids(H, W);
  const input = pb.pool.fresh('input', B * c.inChans * H * W);
  const stages: BackbonePlan['stages'] = [];
  const stageGroup: number[] = [];
  let site = 0;
  let prev = { buf: input, C: c.inChans, H, W, channelFirst: true };
  for (let i = 0; i < 4; i++) {
    const s = i + 1;
    const [gh, gw] = grids[i];
    const C = c.embedDims[i];
    const L = gh * gw;
    const BL = B * L;
    const depth = c.depths[i];
    const { k, s: stride, p: pad } = vvtPatchConv(i);
    const pe = pb.scratch('pe', BL * C);
    pb.conv(prev.buf, st.get(`patch_embed${s}.proj.weight`), st.get(`patch_embed${s}.proj.bias`), pe,
      { B, Cin: prev.C, H: prev.H, W: prev.W, Cout: C, k, stride, pad, channelFirst: prev.channelFirst });
    const s0 = pb.scratch('s0', BL * C);
    const s1 = pb.scratch('s1', BL * C);
    const flip = (b: GPUBuffer) => (b === s0 ? s1 : s0);
    const n = pb.scratch('n', BL * C);
    const out = pb.pool.fresh(`stage${i}`, BL * C);
    // where block j's LN1 output goes: the shared `n`, or a buffer of its own when it is captured
    const attnIn = (j: number): GPUBuffer => {
      if (!captures(captureAt, site + j)) return n;
      const buf = pb.pool.fresh(`capture${site + j}`, BL * C);
      pb.captures.push({ buf, floats: L * C, site: site + j });
      return buf;
    };
    pb.norm({ rows: BL, C, x: pe, ...lnOf(st, `patch_embed${s}.norm`, LN_PATCH_EPS), out: s0 });
    const attnCfg = vvtAttnConfig(c, i, gh, gw);
    let cur = s0;
    let u = n;
    if (depth === 0) pb.norm({ rows: BL, C, x: s0, ...lnOf(st, `norm${s}`), out });
    else pb.norm({ rows: BL, C, x: s0, ...lnOf(st, `block${s}.0.norm1`), out: (u = attnIn(0)) });
    for (let j = 0; j < depth; j++) {
      const b = `block${s}.${j}`;
      const a = pb.scratch('a', BL * C);
      const w = st.block(`${b}.attn.`, () => uploadVicinityWeights(ctx, subParams(st.w, `${b}.attn.`), attnCfg));
      pb.add(...vicinityDispatches(ctx, w, sites?.[site + j] ?? attnCfg, { x: u, y: a, batch: B }, pb.scratch).dispatches);
      const mid = flip(cur);
      pb.norm({ rows: BL, C, x: cur, delta: { buf: a, rows: BL }, sum: mid, ...lnOf(st, `${b}.norm2`), out: n });
      if (j === depth - 1) {
        // the stream itself is not needed after the stage norm
        mlp(pb, st, `${b}.mlp`, n, B, gh, gw, C, { x: mid, ...lnOf(st, `norm${s}`), out });
      } else {
        const next = flip(mid);
        u = attnIn(j + 1);
        mlp(pb, st, `${b}.mlp`, n, B, gh, gw, C, { x: mid, sum: next, ...lnOf(st, `block${s}.${j + 1}.norm1`), out: u });
        cur = next;
      }
    }
    site += depth;
    stages.push({ buf: out, floats: BL * C });
    stageGroup.push(pb.close(`stage ${i}`));
    prev = { buf: out, C, H: gh, W: gw, channelFirst: false };
  }
  const [gh, gw] = grids[3];
  const C = c.embedDims[3];
  const logits = pb.head(prev.buf, B, gh * gw, C, st.get('head.weight'), st.get('head.bias'), c.numClasses);
  return { key, pool: pb.pool, input, inputShape: [B, c.inChans, H, W], groups: pb.groups, stageGroup, logits, stages, captures: pb.captures };
}

/** x [B, inChans, H, W] normalised, any B ≥ 1 and H, W ≥ 1. */
export async function vvtForwardGpu(ctx: GpuContext, x: ModelInput, shape: number[], w: Params, c: VvtConfig, o: GpuForwardOptions = {}): Promise<GpuForwardResult> {
  const [B, Cin, H, W] = shape.length === 3 ? [1, ...shape] : shape;
  if (shape.length < 3 || shape.length > 4 || Cin !== c.inChans || !(B >= 1 && H >= 1 && W >= 1) || x.length !== B * Cin * H * W) {
    throw new Error(`vvt gpu: input [${shape}] with ${x.length} values; expected [B, ${c.inChans}, H, W]`);
  }
  if (!(c.numClasses >= 1)) throw new Error('vvt gpu: the head needs numClasses ≥ 1');
  // per-dimension workgroup limit: the depthwise conv runs one row of workgroups per token of a
  // grid, the attention one z-slice per image
  const [g0h, g0w] = vvtGrids(H, W)[0];
  if (g0h * g0w > 65535 || B > 65535) throw new Error(`vvt gpu: input [${shape}] is too large for the WebGPU path (at most 65535 tokens in the first stage and 65535 images)`);
  const nSites = c.depths.reduce((a, d) => a + d, 0);
  if (captureSites(o.capture).some((s) => !(Number.isInteger(s) && s >= 0 && s < nSites))) {
    throw new Error(`vvt gpu: no attention site ${o.capture} (the model has ${nSites})`);
  }
  const st = stores.get(ctx, w);
  return st.locked(async () => {
    const key = `${B}x${H}x${W}@${o.capture ?? '-'}|${JSON.stringify(c)}|${settingKey(o.knobs)}`;
    return runBackbonePlan(st, key, () => vvtPlan(ctx, st, c, B, H, W, o.capture, key, knobSites(vvtAttentionSites(c, H, W), o.knobs) as VicinityConfig[] | null), x, o);
  });
}
