/**
 * The attention rollout over the photo, beside the per-layer maps: how much each token of the first
 * attention layer reaches the query's output at the last one, through every layer at the knob
 * setting — with the family's definition in words (softmax rollout does not apply as such to gated
 * scans, linear attention or factorised attention; src/models/rollout.ts defines each).
 */
import { rolloutDefinition } from '../../../models/rollout';
import { MapFigure } from '../../figure/MapFigure';
import { cellOver, queryUnder, type RolloutMap } from './rollout-run';

export interface RolloutPanelProps {
  family: string;
  modelId: string;
  map: RolloutMap | null;
  pending: boolean;
  error: string;
  preview: Uint8ClampedArray;
  size: number;
  opacity: number;
  onQuery(q: number): void;
}

export function RolloutPanel({ family, modelId, map, pending, error, preview, size, opacity, onQuery }: RolloutPanelProps) {
  return (
    <div className="classify-block rollout" data-testid="rollout">
      <h4>Attention rollout</h4>
      <p className="rollout-def" data-testid="rollout-definition">
        {rolloutDefinition(family)}
      </p>
      {error ? (
        <p className="error" role="alert" data-testid="rollout-error">
          {error}
        </p>
      ) : null}
      {map ? (
        <div className={pending ? 'stale' : ''} data-testid="rollout-map" data-query={map.query} data-layers={map.layers}>
          <MapFigure
            panel={{ title: `rollout through ${map.layers} layers, query (${Math.floor(map.query / map.lastW)}, ${map.query % map.lastW}) of the last layer`, values: map.values, H: map.H, W: map.W }}
            photo={preview as Uint8ClampedArray<ArrayBuffer>}
            previewSize={size}
            token={cellOver(map.query, map.H, map.W, map.lastH, map.lastW)}
            onPick={(cell) => onQuery(queryUnder(cell, map.H, map.W, map.lastH, map.lastW))}
            size={220}
            opacity={opacity}
            fileName={`rollout-${modelId}`}
          />
        </div>
      ) : (
        <p className="muted" role="status">
          {pending ? 'computing the rollout…' : ''}
        </p>
      )}
    </div>
  );
}
