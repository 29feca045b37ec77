/**
 * `view classify`: the Classify page's panel inside a notebook, on the cell's photo (`image:`, else
 * the notebook's). `model: vig-t` (or the front matter's `model:`) preselects a variant until weights are loaded. Loaded weights
 * are shared with the Classify page and every other classify cell (one model in memory at a time).
 */
import { useMemo } from 'react';
import { modelForVariant } from '../../../models/registry';
import { ClassifyPanel } from '../../classify/ClassifyPanel';
import { useViewPhoto } from '../usePhoto';
import { useNotebook } from '../store';

export function ClassifyView({ config }: { config: Record<string, unknown> }) {
  const { photo, shown, error } = useViewPhoto(config);
  const p = useMemo(() => (photo ? { name: shown, rgb: photo } : null), [photo, shown]);
  const metaModel = useNotebook((s) => s.graph.notebook.meta.model);
  const variant = typeof config.model === 'string' ? config.model : metaModel;
  const unknown = variant !== undefined && !modelForVariant(variant);
  return (
    <div className="classify-view" data-testid="classify-view">
      {unknown ? (
        <p className="cell-message" role="note">
          There is no model <code>{variant}</code>; choose one in the list below.
        </p>
      ) : null}
      {error ? (
        <p className="cell-message" role="alert">
          {error}
        </p>
      ) : null}
      <ClassifyPanel photo={p} variant={unknown ? undefined : variant} heading={null} ablation={false} />
    </div>
  );
}
