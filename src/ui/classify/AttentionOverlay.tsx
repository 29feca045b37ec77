/**
 * "What does this layer look at?": pick one attention module of the loaded backbone and a query
 * token on the photo; the module's own op draws that token's maps over the network's input crop.
 * The layer's input is captured by re-running the WebGPU forward once per (photo, layer); moving the
 * query only re-runs the one op.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { GpuContext } from '../../gpu/context';
import type { ModelChoice } from '../../models/load';
import { attentionSitesOf, captureSite, siteGrid, siteQueryPanels, type CapturedSite } from '../../models/overlay';
import type { MapPanel, Params } from '../../ops/types';
import { MapFigure } from '../figure/MapFigure';
import { Slider } from '../Slider';
import { argmax } from '../../tensor/tensor';

declare global {
  interface Window {
    /** test hook: the overlay's last drawing */
    __attnLastOverlay?: { seq: number; model: string; site: number; label: string; op: string; token: number; H: number; W: number; panels: Array<{ title: string; sum: number; argmax: number }>; first: number[]; setting?: string };
  }
}

/** A classified photo as the panels below the result take it. */
export interface ClassifiedInput {
  choice: ModelChoice;
  ctx: GpuContext;
  params: Params;
  /** the input the result was computed on, [1,3,S,S] */
  tensor: { data: Float32Array; shape: number[] };
  preview: Uint8ClampedArray;
  /** changes whenever the result changes (new photo / weights) */
  resultKey: string;
}

export interface OverlayProps extends ClassifiedInput {
  /**
   * The layer's input comes from outside (the knob forward captures it with the knob setting):
   * the layer choice is controlled and no forward runs here, only the query's op.
   */
  external?: { captured: CapturedSite | null; siteIdx: number; onSite(i: number): void; settingLabel: string };
}

export function AttentionOverlay({ choice, ctx, params, tensor, preview, resultKey, external }: OverlayProps) {
  const S = tensor.shape[2];
  const sites = useMemo(() => attentionSitesOf(choice.model, choice.cfg, S), [choice, S]);
  const [ownSite, setOwnSite] = useState(() => Math.max(0, sites.length - 1));
  const siteIdx = external ? external.siteIdx : ownSite;
  const setSiteIdx = external ? external.onSite : setOwnSite;
  const extCaptured = external?.captured;
  const [token, setToken] = useState<number | null>(null);
  const [opacity, setOpacity] = useState(0.6);
  const [panels, setPanels] = useState<MapPanel[] | null>(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const cache = useRef(new Map<string, CapturedSite>());
  const seq = useRef(0);

  useEffect(() => {
    cache.current.clear();
  }, [resultKey]);
  useEffect(() => {
    if (siteIdx >= sites.length) setSiteIdx(Math.max(0, sites.length - 1));
  }, [sites, siteIdx]);

  const site = sites[siteIdx];
  const grid = site ? siteGrid(site) : null;
  const q = grid ? (token !== null && token < grid.H * grid.W ? token : Math.floor(grid.H / 2) * grid.W + Math.floor(grid.W / 2)) : 0;

  useEffect(() => {
    if (!site || !grid) return;
    if (external && extCaptured?.index !== siteIdx) return; // the knob forward brings this layer's input
    const my = ++seq.current;
    const key = `${resultKey}|${siteIdx}`;
    setError('');
    void (async () => {
      try {
        let cap = external ? extCaptured! : cache.current.get(key);
        if (!cap) {
          setStatus(`running the forward to capture ${site.label}…`);
          cap = await captureSite(ctx, choice.model, choice.cfg, params, tensor.data, tensor.shape, siteIdx);
          cache.current.set(key, cap);
        }
        if (my !== seq.current) return;
        setStatus(`computing ${site.op} maps…`);
        const ps = await siteQueryPanels(ctx, cap, q);
        if (my !== seq.current) return;
        setPanels(ps);
        setStatus('');
        window.__attnLastOverlay = {
          seq: (window.__attnLastOverlay?.seq ?? 0) + 1, model: choice.id, site: siteIdx, label: site.label, op: site.op, token: q, H: grid.H, W: grid.W,
          panels: ps.map((p) => ({ title: p.title, sum: p.values.reduce((a, v) => a + v, 0), argmax: argmax(p.values) })),
          first: Array.from(ps[0]?.values ?? []),
          setting: external?.settingLabel,
        };
      } catch (e) {
        if (my === seq.current) {
          setStatus('');
          setError((e as Error).message);
        }
      }
    })();
    // grid is derived from site; listing it would re-run on every render
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ctx, choice, params, tensor, resultKey, siteIdx, q, extCaptured]);

  if (!sites.length) return <p className="muted">This backbone has no attention layers to show.</p>;
  return (
    <div className="classify-block attention-overlay" data-testid="attention-overlay">
      <h3>Attention on the photo</h3>
      <p className="muted">
        One layer of {choice.id}, with its weights{external ? ` at ${external.settingLabel || 'the knob setting'}` : ''}, on the crop the network saw. Click a cell (or use the arrow keys on a map) to choose the query
        token; each map shows how that token mixes the others in this layer — the panels are the ones the op explorer draws for {site.op}.
      </p>
      <div className="classify-row">
        <label>
          Layer{' '}
          <select data-testid="overlay-layer" value={siteIdx} onChange={(e) => setSiteIdx(Number(e.target.value))}>
            {sites.map((s, i) => {
              const g = siteGrid(s);
              return (
                <option key={i} value={i}>
                  {s.label} — {s.op}, {g.H}×{g.W} tokens
                </option>
              );
            })}
          </select>
        </label>
        <Slider label="overlay opacity" min={0} max={1} step={0.05} value={opacity} onChange={setOpacity} />
        <span className="muted" data-testid="overlay-query">
          query token ({Math.floor(q / (grid?.W ?? 1))}, {q % (grid?.W ?? 1)})
        </span>
      </div>
      {status ? (
        <p className="muted" role="status">
          {status}
        </p>
      ) : null}
      {error ? (
        <p className="error" role="alert" data-testid="overlay-error">
          {error}
        </p>
      ) : null}
      {panels && grid ? (
        <div className="overlay-maps" data-testid="overlay-maps" data-site={siteIdx} data-token={q}>
          {panels.map((p) => (
            <MapFigure
              key={p.title}
              panel={p}
              photo={preview as Uint8ClampedArray<ArrayBuffer>}
              previewSize={S}
              token={q}
              onPick={setToken}
              size={220}
              opacity={opacity}
              fileName={`overlay-${choice.id}-${site.label.replace(/[^a-z0-9]+/gi, '-')}`}
            />
          ))}
        </div>
      ) : null}
    </div>
  );
}
