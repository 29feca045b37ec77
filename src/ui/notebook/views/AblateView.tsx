/**
 * `view ablate`: the multi-photo ablation of one knob on the family's trained network (the
 * Classify page's weights of that family, a held checkpoint, or the full-size synthetic variant).
 * Settings: `model`, `knob` (a knob key: tau, direction, ws, theta, …), `values` (a list `1, 2, 4`
 * or a range `start:stop:step`; empty = the knob's useful set), `scope` (all, stage:N, block:N).
 * The photos are dropped into the view (or a folder, or the samples); it runs on its button.
 */
import { AblationPanel } from '../../classify/knobs/AblationPanel';
import { TrainedNetwork } from '../../classify/knobs/TrainedNetwork';
import { useNotebook } from '../store';
import { useViewPhoto } from '../usePhoto';
import { viewScope } from './NetworkView';

export function AblateView({ config }: { config: Record<string, unknown> }) {
  const { photo, shown } = useViewPhoto(config);
  const metaModel = useNotebook((s) => s.graph.notebook.meta.model);
  const variant = typeof config.model === 'string' ? config.model : (metaModel ?? 'vig-t');
  const { scope, error } = viewScope(config);
  return (
    <div className="ablate-view" data-testid="ablate-view">
      {error ? <p className="cell-message" role="alert">{error}</p> : null}
      <TrainedNetwork variant={variant} photo={photo} photoName={shown}>
        {(t) => (
          <AblationPanel
            choice={t.choice}
            ctx={t.ctx}
            params={t.loaded.params}
            weightsLabel={t.weightsLabel}
            knob={typeof config.knob === 'string' ? config.knob : undefined}
            values={config.values === undefined ? undefined : String(config.values)}
            scope={scope}
          />
        )}
      </TrainedNetwork>
    </div>
  );
}
