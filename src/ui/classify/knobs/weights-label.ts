import type { LoadedWeights } from '../store';

/** What the weights are, said next to every number computed with them. */
export function weightsLabel(l: LoadedWeights): string {
  if (l.synthetic) return 'synthetic weights';
  return l.info.kind === 'test' ? 'test configuration (mini), synthetic weights' : 'official weights';
}
