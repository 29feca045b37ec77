/**
 * `view network`: the knobs of one family live on its whole trained network — top-5, the change
 * against the official setting, MACs, GPU time and a layer's maps over the photo. Settings:
 * `model` (the variant whose synthetic weights stand in when no checkpoint of the family is held;
 * default the notebook's `model:`), `image`, `scope` (all, stage:N, block:N), and any knob key
 * (`tau: $tau`, `ws: $ws`, `theta: $theta`, …) to drive that knob from a notebook param.
 */
import { useMemo } from 'react';
import { parseScope, type KnobScope, type KnobValue } from '../../../models/knobs';
import { NetworkKnobs } from '../../classify/knobs/NetworkKnobs';
import { TrainedNetwork } from '../../classify/knobs/TrainedNetwork';
import { useNotebook } from '../store';
import { useViewPhoto } from '../usePhoto';

/** Settings of the view that are not knob values. */
const VIEW_KEYS = new Set(['model', 'image', 'scope', 'knob', 'values', 'cost']);

export function viewScope(config: Record<string, unknown>): { scope?: KnobScope; error?: string } {
  if (config.scope === undefined) return {};
  try {
    return { scope: parseScope(String(config.scope)) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export function NetworkView({ config }: { config: Record<string, unknown> }) {
  const { photo, shown, error } = useViewPhoto(config);
  const metaModel = useNotebook((s) => s.graph.notebook.meta.model);
  const variant = typeof config.model === 'string' ? config.model : (metaModel ?? 'vig-t');
  const { scope, error: scopeError } = viewScope(config);
  const presetKey = JSON.stringify(config);
  const preset = useMemo(() => {
    const values: Record<string, KnobValue> = {};
    for (const [k, v] of Object.entries(config)) if (!VIEW_KEYS.has(k) && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')) values[k] = v;
    return { values, scope };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [presetKey]);
  return (
    <div className="network-view" data-testid="network-view">
      {error ? <p className="cell-message" role="alert">{error}</p> : null}
      {scopeError ? <p className="cell-message" role="alert">{scopeError}</p> : null}
      <TrainedNetwork variant={variant} photo={photo} photoName={shown}>
        {(t) => (
          <NetworkKnobs
            choice={t.choice}
            ctx={t.ctx}
            params={t.loaded.params}
            tensor={t.tensor}
            preview={t.preview}
            resultKey={`${t.choice.id}|${shown}|${t.loaded.source}`}
            weightsLabel={t.weightsLabel}
            preset={preset}
          />
        )}
      </TrainedNetwork>
    </div>
  );
}
