import type { GpuContext } from '../../gpu/context';
import type { GpuOpOutput, Params } from '../types';
import type { GlaConfig } from './spec';
export async function glaGpu(_ctx: GpuContext, _x: Float32Array, _p: Params, _c: GlaConfig, _opts: { maps: boolean }): Promise<GpuOpOutput> {
  throw new Error('todo');
}
