/**
 * The page's answers to code cells' engine calls (protocol.ts `call`): the same code the views
 * use — buildOpConfig + computeOpView for `run` (so `run('hilo', { grid: 14, alpha: 0.5 })` is
 * exactly the `view attention` with those settings), patchEmbed for the photo's tokens, the loaded
 * backbone's WebGPU forward and overlay capture for `model.*`. Results are plain data.
 * No React, no DOM: Node tests call it with the CPU reference (ctx null).
 */
import type { GpuContext } from '../../../gpu/context';
import { centerSquare, patchEmbed, resizeArea, type RgbImage } from '../../../image/pixels';
import { preprocessForEval } from '../../../image/resize-pil';
import { topK } from '../../../models/classify';
import type { ModelChoice } from '../../../models/load';
import { parseScope, type KnobSetting } from '../../../models/knobs';
import { attentionSitesOf, captureSite, siteGrid } from '../../../models/overlay';
import { computeOpView } from '../../../ops/view';
import { OPS, opByName } from '../../../ops/registry';
import type { Params } from '../../../ops/types';
import type { Tensor } from '../../../tensor/tensor';
import type { EngineHandler } from '../../../notebook/code/host';
import type { EngineMethod } from '../../../notebook/code/protocol';
import { buildOpConfig, checkGrid, findOp } from '../views/op-config';
import { tokenOf } from '../views/token';

export interface EngineDeps {
  ctx(): GpuContext | null;
  /** the notebook's current photo */
  photo(): Promise<{ name: string; rgb: RgbImage }>;
  /** the backbone loaded on the Classify page (weights on the page), or null */
  model(): { choice: ModelChoice; params: Params | undefined; source: string } | null;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const obj = (v: unknown, what: string): Record<string, unknown> => {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new Error(`${what} must be an object, e.g. { grid: 14 }`);
  return v;
};

/** The query tokens asked for: 'all', a list, or none. */
function queriesOf(v: unknown, N: number): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === 'all') return Array.from({ length: N }, (_, i) => i);
  if (!Array.isArray(v) || v.length > N || v.some((t) => !Number.isInteger(t) || t < 0 || t >= N)) throw new Error(`tokens must be 'all' or a list of token indices 0…${N - 1}`);
  return v as number[];
}

/** `{ values: { tau: 8 }, scope: 'stage:2' }` from a cell, checked (src/models/knobs.ts is the contract). */
function knobsOf(v: unknown): KnobSetting | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v) || !isObj(v.values)) throw new Error("knobs must look like { values: { tau: 8 }, scope: 'all' | 'stage:N' | 'block:N' }");
  const values: KnobSetting['values'] = {};
  for (const [k, x] of Object.entries(v.values)) {
    if (typeof x !== 'number' && typeof x !== 'string' && typeof x !== 'boolean') throw new Error(`knob ${k}: a number, text or true/false`);
    values[k] = x;
  }
  return { values, scope: parseScope(typeof v.scope === 'string' ? v.scope : 'all') };
}

export function createEngine(deps: EngineDeps): EngineHandler {
  const tokenCache = new Map<string, Tensor>();
  const photoTokens = async (grid: number, dim: number): Promise<{ name: string; tokens: Tensor; rgb: RgbImage }> => {
    const p = await deps.photo();
    const key = `${p.name}|${grid}|${dim}`;
    let t = tokenCache.get(key);
    if (!t) {
      t = patchEmbed(p.rgb, grid, dim);
      if (tokenCache.size > 16) tokenCache.clear();
      tokenCache.set(key, t);
    }
    return { name: p.name, tokens: t, rgb: p.rgb };
  };

  const loaded = () => {
    const m = deps.model();
    if (!m) throw new Error('No backbone is loaded: open Classify, load a checkpoint, then run the cell again.');
    const ctx = deps.ctx();
    if (!ctx || !m.params || !m.choice.model.forwardGpu) throw new Error(`${m.choice.model.title}: model calls need its WebGPU forward (and a WebGPU device).`);
    return { ...m, params: m.params, ctx };
  };

  const evalInput = async (choice: ModelChoice) => {
    const p = await deps.photo();
    const { size, crop } = choice.model.inputSize(choice.cfg);
    return preprocessForEval(p.rgb, { size, crop }).tensor;
  };

  const handlers: Record<EngineMethod, (args: unknown[]) => Promise<unknown>> = {
    async ops() {
      return OPS.map((op) => ({
        name: op.name,
        title: op.title,
        defaults: op.defaultConfig(14, 14),
        knobs: [...(op.sliders ?? []).map((s) => ({ ...s, kind: 'slider' })), ...(op.choices ?? []).map((c) => ({ ...c, kind: 'choice' }))],
      }));
    },

    async macs([name, settings]) {
      const op = findOp(name);
      const s = obj(settings, 'settings');
      return op.macs(buildOpConfig(op, checkGrid(s.grid, 14), s).cfg);
    },

    async run([name, settings, options]) {
      const op = findOp(name);
      const s = obj(settings, 'settings');
      const o = obj(options, 'options');
      const grid = checkGrid(s.grid, 14, o.x === undefined);
      const { cfg, warnings } = buildOpConfig(op, grid, s);
      const shape = op.inputShape(cfg);
      const dim = shape.length === 3 ? shape[2] : shape[1];
      const token = tokenOf(s, grid, warnings);
      const N = grid * grid;
      let tokens: Tensor;
      if (o.x !== undefined) {
        const x = o.x as ArrayLike<number>;
        if (!(ArrayBuffer.isView(x) || Array.isArray(x)) || x.length !== N * dim) throw new Error(`x must hold ${N}·${dim} = ${N * dim} numbers (tokens × channels, token-major); got ${(x as { length?: number })?.length ?? typeof x}`);
        tokens = { shape: [N, dim], data: Float64Array.from(x) };
      } else tokens = (await photoTokens(grid, dim)).tokens;
      const queries = queriesOf(o.tokens, N);
      const r = await computeOpView(op, cfg, tokens, token, deps.ctx(), { y: o.y === true, queries });
      return {
        op: op.name,
        config: cfg,
        grid,
        dim,
        token,
        warnings,
        macs: r.macs,
        ms: r.ms,
        timeSource: r.timeSource,
        backend: r.backend,
        panels: r.panels,
        ...(r.perQuery ? { perToken: r.perQuery, tokens: queries } : {}),
        ...(r.y ? { y: r.y, shape } : {}),
      };
    },

    async photo([options]) {
      const o = obj(options, 'options');
      const grid = checkGrid(o.grid, 14, true);
      const dim = o.dim === undefined ? 64 : o.dim;
      if (!Number.isInteger(dim) || (dim as number) < 1 || (dim as number) > 1024) throw new Error('dim must be a whole number 1…1024');
      const p = await photoTokens(grid, dim as number);
      const size = 224;
      return { name: p.name, size, rgb: resizeArea(centerSquare(p.rgb), size, size), grid, dim, tokens: Float32Array.from(p.tokens.data) };
    },

    async 'model.info'() {
      const m = deps.model();
      if (!m) return null;
      const { size, crop } = m.choice.model.inputSize(m.choice.cfg);
      const sites = attentionSitesOf(m.choice.model, m.choice.cfg, size).map((s, index) => ({ index, label: s.label, stage: s.stage, block: s.block, op: s.op, ...siteGrid(s) }));
      const knobs = m.choice.model.knobs?.(m.choice.cfg) ?? [];
      return { id: m.choice.id, title: m.choice.model.title, family: m.choice.model.family, source: m.source, size, crop, gpu: !!(m.params && deps.ctx() && m.choice.model.forwardGpu), sites, knobs };
    },

    async 'model.classify'([options]) {
      const { choice, params, ctx } = loaded();
      const knobs = knobsOf(obj(options, 'options').knobs);
      const x = await evalInput(choice);
      const out = await choice.model.forwardGpu!(ctx, x.data, x.shape, params, choice.cfg, { stages: false, knobs });
      const { size } = choice.model.inputSize(choice.cfg);
      return { top: topK(out.logits, 5), ms: out.gpuMs, timeSource: out.timeSource, stageMs: out.stageMs ?? [], macs: choice.model.macs(choice.cfg, size, size, knobs), knobs: knobs ?? null };
    },

    async 'model.layer'([index, options]) {
      const { choice, params, ctx } = loaded();
      const o = obj(options, 'options');
      if (!Number.isInteger(index)) throw new Error('model.layer(index): index is an attention site number (see model.info().sites)');
      const x = await evalInput(choice);
      const c = await captureSite(ctx, choice.model, choice.cfg, params, x.data, x.shape, index as number);
      const { H, W } = siteGrid(c.site);
      const op = opByName(c.site.op);
      if (!op?.gpu || !op.queryMaps) throw new Error(`op '${c.site.op}' cannot draw maps`);
      const queries = queriesOf(o.tokens, H * W);
      const token = typeof o.token === 'number' && Number.isInteger(o.token) && o.token >= 0 && o.token < H * W ? o.token : Math.floor(H / 2) * W + Math.floor(W / 2);
      const rows = op.gpuRows ? [token, ...(queries ?? [])] : undefined;
      const out = await op.gpu(ctx, c.x, c.params, c.site.opConfig, { maps: !rows, rows, timed: true, skipY: true });
      return {
        index: c.index,
        label: c.site.label,
        op: c.site.op,
        H,
        W,
        token,
        config: c.site.opConfig,
        ms: out.gpuMs,
        panels: op.queryMaps(out.maps, c.site.opConfig, token, rows ? 0 : token),
        ...(queries ? { perToken: queries.map((q, i) => op.queryMaps!(out.maps, c.site.opConfig, q, rows ? i + 1 : q)), tokens: queries } : {}),
      };
    },
  };

  return (method, args) => {
    const h = handlers[method];
    if (!h) return Promise.reject(new Error(`unknown call ${method}`));
    return h(args);
  };
}
