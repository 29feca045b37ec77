/**
 * The trained network of one family inside a notebook: the weights loaded on the Classify page
 * when they are of this family; else a checkpoint of the family the browser holds (one click), or
 * the full-size variant with synthetic weights (one click, labelled). The weights are the Classify
 * page's (one model in memory at a time). Then the photo's eval input and the knob panel or the
 * ablation on it.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { GpuContext } from '../../../gpu/context';
import type { RgbImage } from '../../../image/pixels';
import { preprocessForEval } from '../../../image/resize-pil';
import type { ModelChoice } from '../../../models/load';
import { modelForVariant } from '../../../models/registry';
import { useGpu } from '../../../state/gpu';
import { listCachedWeights } from '../../../weights/fetch-cache';
import type { Zoo, ZooVariant } from '../../../weights/zoo';
import { choiceOf, loadSynthetic, loadUrl } from '../actions';
import { cropRgba } from '../run';
import { useClassify, type LoadedWeights } from '../store';
import { useZoo } from '../zoo-data';
import { weightsLabel } from './weights-label';

export interface TrainedInput {
  choice: ModelChoice;
  ctx: GpuContext;
  loaded: LoadedWeights & { params: NonNullable<LoadedWeights['params']> };
  /** the photo's eval input [1,3,S,S] and its pixels */
  tensor: { data: Float32Array; shape: number[] };
  preview: Uint8ClampedArray;
  weightsLabel: string;
}

export function TrainedNetwork({ variant, photo, photoName, children }: { variant: string; photo: RgbImage | null; photoName: string; children(t: TrainedInput): ReactNode }) {
  const { zoo, error: zooError } = useZoo();
  const ctx = useGpu((s) => s.ctx);
  const gpuStatus = useGpu((s) => s.status);
  const { loaded, busy, progress, error } = useClassify();
  const model = modelForVariant(variant);
  const family = model?.family;
  const choice = useMemo(() => (zoo && loaded ? choiceOf(zoo, loaded.info.id) : null), [zoo, loaded]);
  const ours = Boolean(loaded?.params && choice && choice.family === family);
  const input = useMemo(() => {
    if (!ours || !choice || !photo) return null;
    const { size, crop } = choice.model.inputSize(choice.cfg);
    const pre = preprocessForEval(photo, { size, crop });
    return { tensor: { data: pre.tensor.data, shape: pre.tensor.shape }, preview: cropRgba(pre, size) };
  }, [ours, choice, photo]);

  if (!model) return <p className="cell-message" role="note">There is no model <code>{variant}</code>.</p>;
  if (zooError) return <p className="error">{zooError}</p>;
  if (!zoo) return <p className="muted">Loading the model list…</p>;
  if (gpuStatus !== 'ready' || !ctx) return <p className="muted" data-testid="trained-no-gpu">Knobs on the whole network run on WebGPU, which this browser does not offer here.</p>;
  if (!ours || !choice || !loaded?.params) {
    return (
      <FamilyWeightsChooser zoo={zoo} variant={variant} family={family!} busy={Boolean(busy || progress)} status={busy} error={error} other={loaded ? `${loaded.info.id}${loaded.synthetic ? ' (synthetic)' : ''}` : null} />
    );
  }
  if (!photo || !input) return <p className="muted">Loading the photo…</p>;
  const l = loaded as TrainedInput['loaded'];
  return (
    <div data-testid="trained-network" data-model={choice.id} data-synthetic={String(Boolean(loaded.synthetic))}>
      <p className="muted">
        <strong>{choice.id}</strong> with {weightsLabel(loaded)} ({loaded.source}) on {photoName}.
      </p>
      {children({ choice, ctx, loaded: l, tensor: input.tensor, preview: input.preview, weightsLabel: weightsLabel(loaded) })}
    </div>
  );
}

function FamilyWeightsChooser({ zoo, variant, family, busy, status, error, other }: { zoo: Zoo; variant: string; family: string; busy: boolean; status: string; error: string; other: string | null }) {
  const [held, setHeld] = useState<Array<{ url: string; v: ZooVariant }> | null>(null);
  useEffect(() => {
    let live = true;
    void listCachedWeights()
      .then((items) => items.filter((c) => !c.partial))
      .then((items) => {
        const out: Array<{ url: string; v: ZooVariant }> = [];
        for (const c of items) {
          const v = zoo.variants.find((x) => x.family === family && x.sources.some((s) => s.url === c.url));
          if (v) out.push({ url: c.url, v });
        }
        if (live) setHeld(out);
      }, () => live && setHeld([]));
    return () => {
      live = false;
    };
  }, [zoo, family]);
  return (
    <div className="trained-choose" data-testid="trained-choose">
      <p>
        {other ? `The weights loaded now are ${other}, not of this family. ` : 'No weights are loaded. '}
        {held === null ? 'Looking for checkpoints of this family in the browser…' : held.length ? 'This browser holds:' : 'This browser holds no checkpoint of this family.'}
      </p>
      {held?.length ? (
        <ul className="cached-items">
          {held.map((h) => (
            <li key={h.url}>
              <button type="button" disabled={busy} data-testid="trained-load-cached" onClick={() => void loadUrl(zoo, h.url, { variantId: h.v.id })}>
                Load {h.v.title} ({h.url.split('/').pop()})
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <p>
        <button type="button" disabled={busy} data-testid="trained-load-synthetic" onClick={() => void loadSynthetic(zoo, variant)}>
          Use {variant} with synthetic weights
        </button>{' '}
        <span className="muted">— the full-size architecture with seeded random weights (labelled as such): knobs, MACs, time and maps are real, classes are not. Or load a checkpoint on the <a href="#classify">Classify page</a>.</span>
      </p>
      {status ? <p className="muted" role="status">{status}</p> : null}
      {error ? <p className="error" role="alert">{error}</p> : null}
    </div>
  );
}
