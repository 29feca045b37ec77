/** Builds plans: the dispatches of one forward, group by group. */
import type { Dispatch, GpuContext } from '../context';
import { ScratchPool } from './scratch';
import { prepareGroup, type PreparedGroup } from './runner';
import { copyDispatch, makeDummies, meanPoolDispatch, normDispatch, type Dummies, type NormSpec } from './layers';
import { convGemmDispatches, gemmDispatches, gemmPlan, splitkPartials, type ConvGeom } from '../gemm';
export class PlanBuilder {
  readonly pool: ScratchPool;
  readonly dm: Dummies;
  readonly groups: PreparedGroup[] = [];
  private cur: Dispatch[] = [];
  constructor(readonly ctx: GpuContext) {
    this.pool = new ScratchPool(ctx);
    this.dm = makeDummies(ctx);
    this.pool.owned.push(this.dm.read, this.dm.sum, this.dm.out);
  }
  add(...d: Dispatch[]): void {
    this.cur.push(...d);
  }
  /** y[M, N] = x[M, K]·Wᵀ + b on the kernel the GEMM selection picks (../gemm.ts). */
  linear(x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, M: number, N: number, K: number): void {
    this.cur.push(...gemmDispatches(this.ctx, this.scratch, x, w, b, y, M, N, K));
  }
  /** Dense conv → tokens [B, Ho·Wo, Cout] on the kernel the GEMM selection picks. */
  conv(x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, y: GPUBuffer, g: ConvGeom): void {
    this.cur.push(...convGemmDispatches(this.ctx, this.scratch, x, w, b, y, g));
  }
  norm(s: NormSpec): void {
    this.cur.push(normDispatch(this.ctx, s, this.dm));
  }
  /**
   * A Linear that feeds a residual add + norm: `tail.x` + (x[M, K]·Wᵀ + b) (⊙ tail.scale, a layer
   * scale) → tail.sum, then the norm (NormSpec's rows and C are M and N). Where the GEMM selection
   * splits K (few output tiles: late stages at small batch) the norm adds the partial sums itself,
   * one launch instead of the split reduce and the norm, with the same float operations (a split
   * with both a bias and a scale keeps the reduce: the kernel applies one per-channel vector).
   */
  linearNorm(x: GPUBuffer, w: GPUBuffer, b: GPUBuffer | null, M: number, N: number, K: number, tail: Omit<NormSpec, 'rows' | 'C' | 'delta' | 'split'> & { scale?: GPUBuffer }): void {
    const { scale, ...spec } = tail;
    const p = gemmPlan(M, N, K);
    if (p.kind === 'splitk' && !(b && scale)) {
      const { dispatch, part } = splitkPartials(this.ctx, this.scratch, x, w, M, N, K, p.splits);
      this.cur.push(dispatch);
      this.norm({ ...spec, rows: M, C: N, split: { part, splits: p.splits, bias: b, scale } });
    } else {
      const y = this.scratch('linear-norm.y', M * N);
      this.linear(x, w, b, y, M, N, K);
      this.norm({ ...spec, rows: M, C: N, delta: { buf: y, rows: M, scale } });
    }
  }
  /**
   * Keep the first `floats` values of `src` as they are at this point of the plan (sample 0 of an
   * attention input, for the overlay) in a buffer of its own, read back with the forward.
   */
  capture(src: GPUBuffer, floats: number, site: number): void {
    const buf = this.pool.fresh(`capture${site}`, floats);
    this.cur.push(copyDispatch(this.ctx, src, buf, floats));
    this.captures.push({ buf, floats, site });
  }
  /** what capture() and the plans' own capture buffers keep, in site order */
  readonly captures: Array<{ buf: GPUBuffer; floats: number; site: number }> = [];
  /** The classifier: token mean of x [B, L, C] → Linear → logits [B, classes], closed as group 'head'; the plan's logits. */
  head(x: GPUBuffer, B: number, L: number, C: number, w: GPUBuffer, b: GPUBuffer | null, classes: number): { buf: GPUBuffer; floats: number } {
    const pooled = this.scratch('pooled', B * C);
    const logits = this.pool.fresh('logits', B * classes);
    this.add(meanPoolDispatch(this.ctx, x, pooled, B, L, C));
    this.linear(pooled, w, b, logits, B, classes, C);
    this.close('head');
    return { buf: logits, floats: B * classes };
  }
  close(label: string): number {
    this.groups.push(prepareGroup(this.ctx, label, this.cur, (b) => this.pool.owned.push(b)));
    this.cur = [];
    return this.groups.length - 1;
  }
  scratch = (role: string, floats: number): GPUBuffer => this.pool.get(role, floats);
}

/**
 * Uploaded weights of one (context, weights) pair: plain tensors by key, per-op block weights
 * (GLA, HiLo, …) by module prefix, and the forward plan cached for them. Forwards that share it
 * run one at a time (`locked`), since they share the plan's buffers.
 */
