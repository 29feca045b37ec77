/**
 * Float64 CPU forward of LITv2 (classification, eval): PatchEmbed → stages of ConvFFNBlock (stages
 * without attention) or Block (HiLo + DWMlp), DTM between stages → LayerNorm → token mean → head.
 * HiLo is the op reference of src/ops/hilo, called with the block's sub-state-dict.
 */
import { conv2d, depthwiseConv2d, gelu, layerNorm, linear } from '../../tensor/ops';
import { permute, type Tensor } from '../../tensor/tensor';
import { hiloReference } from '../../ops/hilo/reference';
import type { Params } from '../../ops/types';
import type { ModelForwardOutput } from '../types';
import { stageHilo, validateLitv2, type Litv2Config } from './config';
import type { HiloConfig } from '../../ops/hilo/spec';
import { dtmForward } from './dcn';

function req(p: Params, k: string): Tensor {
  const t = p[k];
  if (!t) throw new Error(`litv2: missing weight '${k}'`);
  return t;
}

/** The weights under `prefix`, with the prefix stripped (an op's own state_dict). */
import { subParams } from '../nn-cpu';

function ln(x: Tensor, p: Params, prefix: string): Tensor {
  return layerNorm(x, req(p, `${prefix}.weight`), req(p, `${prefix}.bias`));
}

/** DWMlp: fc1 → DW 3×3 (pad 1) on the H×W grid → GELU → fc2. x tokens [N, C]. */
function dwMlp(x: Tensor, p: Params, prefix: string, H: number, W: number): Tensor {
  const h = linear(x, req(p, `${prefix}.fc1.weight`), p[`${prefix}.fc1.bias`]);
  const hidden = h.shape[1];
  const nchw = permute({ shape: [1, H, W, hidden], data: h.data }, [0, 3, 1, 2]);
  const dw = depthwiseConv2d(nchw, req(p, `${prefix}.dwconv.dwconv.weight`), p[`${prefix}.dwconv.dwconv.bias`], { padding: 1 });
  const a = permute(dw, [0, 2, 3, 1]).data;
  for (let i = 0; i < a.length; i++) a[i] = gelu(a[i]);
  return linear({ shape: [H * W, hidden], data: a }, req(p, `${prefix}.fc2.weight`), p[`${prefix}.fc2.bias`]);
}

function addInPlace(x: Tensor, y: Tensor): void {
  for (let i = 0; i < x.data.length; i++) x.data[i] += y.data[i];
}

interface ImageOut {
  logits: Float64Array;
  stages: Float64Array[];
  maps: Record<string, Tensor>;
}

function forwardImage(img: Tensor, w: Params, c: Litv2Config, sites: HiloConfig[] | null): ImageOut {
  const maps: Record<string, Tensor> = {};
  // PatchEmbed: conv k=s=patch → tokens → LayerNorm
  const pe = conv2d(img, req(w, 'patch_embed.proj.weight'), w['patch_embed.proj.bias'], { stride: c.patchSize });
  let [, C, H, W] = pe.shape;
  let x: Tensor = { shape: [H * W, C], data: permute(pe, [0, 2, 3, 1]).data };
  if (c.patchNorm) x = ln(x, w, 'patch_embed.norm');

  const stages: Float64Array[] = [];
  const n = c.depths.length;
  let site = 0;
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < c.depths[i]; b++) {
      const p = `layers.${i}.blocks.${b}`;
      if (c.hasMsa[i]) {
        const att = hiloReference({ shape: [1, H * W, C], data: ln(x, w, `${p}.norm1`).data }, subParams(w, `${p}.attn.`), sites?.[site++] ?? stageHilo(c, i, H, W));
        addInPlace(x, att.y);
        for (const m of ['attn_hifi', 'attn_lofi']) if (att.maps[m]) maps[`${p}.${m}`] = att.maps[m];
      }
      addInPlace(x, dwMlp(ln(x, w, `${p}.norm2`), w, `${p}.mlp`, H, W));
    }
    stages.push(x.data.slice());
    if (i < n - 1) {
      const d = dtmForward(x.data, H, W, C, w, `layers.${i}.downsample.`);
      maps[`layers.${i}.downsample.offset`] = d.offset;
      H /= 2;
      W /= 2;
      C *= 2;
      x = { shape: [H * W, C], data: d.y };
    }
  }
  // head: LayerNorm → mean over tokens → Linear
  const normed = ln(x, w, 'norm').data;
  const feat = new Float64Array(C);
  for (let t = 0; t < H * W; t++) for (let k = 0; k < C; k++) feat[k] += normed[t * C + k];
  for (let k = 0; k < C; k++) feat[k] /= H * W;
  const logits = c.numClasses > 0 ? linear({ shape: [1, C], data: feat }, req(w, 'head.weight'), w['head.bias']).data : feat;
  return { logits, stages, maps };
}

function stack(parts: Float64Array[], shape: number[]): Tensor {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return { shape, data: out };
}

/**
 * x [B, 3, S, S] (or one image [3, S, S]) normalised, S = img_size exactly (the official PatchEmbed asserts it).
 * stages[i] = output of the last block of layers.i, tokens [B, H·W, C]; maps (of the first image):
 * `layers.i.blocks.b.attn_hifi|attn_lofi` in src/ops/hilo layout and `layers.i.downsample.offset`
 * [8, Ho, Wo] (Δy, Δx per tap).
 */
export function litv2Forward(x: Tensor, w: Params, c: Litv2Config, sites: HiloConfig[] | null = null): ModelForwardOutput {
  validateLitv2(c);
  // a single image [3, S, S] is read as a batch of one
  const [B, Cin, H, W] = x.shape.length === 3 ? [1, ...x.shape] : x.shape;
  if (Cin !== c.inChans || H !== c.imgSize || W !== c.imgSize) {
    throw new Error(`litv2: input [${x.shape}] but the model takes exactly [B, ${c.inChans}, ${c.imgSize}, ${c.imgSize}]`);
  }
  const per = Cin * H * W;
  const outs: ImageOut[] = [];
  for (let b = 0; b < B; b++) outs.push(forwardImage({ shape: [1, Cin, H, W], data: x.data.subarray(b * per, (b + 1) * per) }, w, c, sites));
  const nOut = outs[0].logits.length;
  const stages = outs[0].stages.map((s, i) => {
    const C = c.embedDim * 2 ** i;
    return stack(outs.map((o) => o.stages[i]), [B, s.length / C, C]);
  });
  return { logits: stack(outs.map((o) => o.logits), [B, nOut]), stages, maps: outs[0].maps };
}
