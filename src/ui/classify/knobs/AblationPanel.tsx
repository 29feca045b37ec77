/**
 * "Ablation on my photos": pick a knob of the loaded backbone, the values to try and a scope; every
 * photo of the set goes through the whole network at each value (batched, on the GPU) and the
 * table and chart give, per value, the top-1 agreement with the official setting, the mean
 * probability of each photo's official class, the mean KL, the MACs and the time per image. CSV export.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { GpuContext } from '../../../gpu/context';
import { preprocessForEval } from '../../../image/resize-pil';
import type { KnobScope } from '../../../models/knobs';
import type { ModelChoice } from '../../../models/load';
import type { Params } from '../../../ops/types';
import { ChartFigure } from '../../figure/ChartFigure';
import { download } from '../../figure/export';
import { formatCount, formatMs } from '../../format';
import { ablationCsv, ablationValues, runAblation, type AblationRow } from './ablation';
import { addDrop, addFiles, addSamples, clearPhotos, useAblationPhotos } from './ablation-photos';
import { knobForward } from './knob-run';
import { formatKnobValue, networkKnobs, networkMacs, scopeLabel } from './net-knobs';
import { ScopeSelect } from './KnobControls';

declare global {
  interface Window {
    /** test hook: the last finished ablation */
    __attnLastAblation?: { seq: number; knob: string; scope: string; photos: number; rows: AblationRow[]; csv: string };
  }
}

export interface AblationPanelProps {
  choice: ModelChoice;
  ctx: GpuContext;
  params: Params;
  weightsLabel: string;
  /** preselected knob key / values / scope (a notebook's settings) */
  knob?: string;
  values?: string;
  scope?: KnobScope;
}

export function AblationPanel({ choice, ctx, params, weightsLabel, ...init }: AblationPanelProps) {
  const knobs = useMemo(() => networkKnobs(choice.model, choice.cfg), [choice]);
  const { size, crop } = choice.model.inputSize(choice.cfg);
  const sites = useMemo(() => choice.model.attentionSites?.(choice.cfg, size, size) ?? [], [choice, size]);
  const { photos, skipped, busy: decoding } = useAblationPhotos();
  const [knobKey, setKnobKey] = useState(init.knob && knobs.some((k) => k.key === init.knob) ? init.knob : (knobs[0]?.key ?? ''));
  const knob = knobs.find((k) => k.key === knobKey) ?? knobs[0];
  const [valuesText, setValuesText] = useState(init.values ?? '');
  const [scope, setScope] = useState<KnobScope>(init.scope ?? 'all');
  const [rows, setRows] = useState<AblationRow[]>([]);
  const [ranOn, setRanOn] = useState<{ photos: string[]; scope: string }>({ photos: [], scope: '' });
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const [running, setRunning] = useState(false);
  const [over, setOver] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  useEffect(() => () => abort.current?.abort(), []);
  useEffect(() => {
    if (init.knob && knobs.some((k) => k.key === init.knob)) setKnobKey(init.knob);
    if (init.values !== undefined) setValuesText(init.values);
    if (init.scope) setScope(init.scope);
  }, [init.knob, init.values, init.scope, knobs]);

  let values: ReturnType<typeof ablationValues> = [];
  let valuesError = '';
  try {
    if (knob) values = ablationValues(knob, valuesText);
  } catch (e) {
    valuesError = (e as Error).message;
  }

  const run = async () => {
    if (!knob || !photos.length || valuesError) return;
    abort.current?.abort();
    const ac = new AbortController();
    abort.current = ac;
    setRunning(true);
    setRows([]);
    setError('');
    setStatus(`preprocessing ${photos.length} photos…`);
    try {
      const inputs = photos.map((p) => preprocessForEval(p.rgb, { size, crop }).tensor.data);
      const names = photos.map((p) => p.name);
      setRanOn({ photos: names, scope: scopeLabel(scope, sites) });
      const out = await runAblation({
        knob, values, scope, inputs, batch: 8, signal: ac.signal,
        forward: async (x, n, setting) => {
          const r = await knobForward(ctx, choice, params, { data: x, shape: [n, 3, size, size] }, setting, null);
          return { logits: r.logits, ms: r.gpuMs, timeSource: r.timeSource };
        },
        macs: (s) => networkMacs(choice.model, choice.cfg, size, s),
        onRow: (row, done, total) => {
          setRows((rs) => [...rs, row]);
          setStatus(`${done} of ${total} values done`);
        },
      });
      const csv = ablationCsv(out, { model: choice.id, weights: weightsLabel, knob, scope: scopeLabel(scope, sites), photos: names });
      setStatus('');
      window.__attnLastAblation = { seq: (window.__attnLastAblation?.seq ?? 0) + 1, knob: knob.key, scope, photos: names.length, rows: out, csv };
    } catch (e) {
      setStatus('');
      if ((e as Error).name !== 'AbortError') setError((e as Error).message);
      else setStatus('cancelled');
    } finally {
      if (abort.current === ac) setRunning(false);
    }
  };

  if (!knobs.length) return null;
  const numeric = knob?.kind === 'slider';
  const xOf = (r: AblationRow, i: number) => (numeric ? Number(r.value) : i);
  const chartRows = rows;
  return (
    <div className="classify-block ablation" data-testid="ablation">
      <h3>Ablation on your photos</h3>
      <p className="muted">
        One knob of {choice.id} ({weightsLabel}) at several values, on every photo of the set: how often the top-1 class stays the official
        setting’s, how much probability the official class keeps, and what it costs (MACs, GPU time per image).
      </p>
      <div
        className={`dropzone ${over ? 'over' : ''}`}
        data-testid="ablation-drop"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          void addDrop(e.dataTransfer);
        }}
      >
        Drop photos or a folder here, or{' '}
        <button className="link" type="button" onClick={() => files.current?.click()}>
          choose photos
        </button>
        ,{' '}
        <button className="link" type="button" onClick={() => folder.current?.click()}>
          a folder
        </button>{' '}
        or{' '}
        <button className="link" type="button" data-testid="ablation-samples" onClick={() => void addSamples()}>
          add the samples
        </button>
        .
        <input ref={files} type="file" accept="image/*" multiple hidden data-testid="ablation-input" onChange={(e) => { void addFiles(Array.from(e.target.files ?? [])); e.target.value = ''; }} />
        <input
          ref={(el) => {
            folder.current = el;
            el?.setAttribute('webkitdirectory', '');
          }}
          type="file"
          multiple
          hidden
          data-testid="ablation-folder"
          onChange={(e) => { void addFiles(Array.from(e.target.files ?? [])); e.target.value = ''; }}
        />
      </div>
      <p className="muted" data-testid="ablation-photos" data-count={photos.length}>
        {photos.length ? `${photos.length} photo${photos.length > 1 ? 's' : ''}: ${photos.slice(0, 6).map((p) => p.name).join(', ')}${photos.length > 6 ? ', …' : ''}` : 'No photos yet.'}{' '}
        {photos.length ? (
          <button className="link" type="button" onClick={clearPhotos}>
            clear
          </button>
        ) : null}
        {decoding ? ` — ${decoding}` : ''}
      </p>
      {skipped.length ? (
        <details>
          <summary className="muted warn">{skipped.length} skipped</summary>
          <ul>
            {skipped.map((s, i) => (
              <li key={i} className="muted">
                {s}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <div className="classify-row">
        <label>
          Knob{' '}
          <select data-testid="ablation-knob" value={knob?.key} onChange={(e) => { setKnobKey(e.target.value); setValuesText(''); }}>
            {knobs.map((k) => (
              <option key={k.key} value={k.key}>
                {k.label} (official {formatKnobValue(k.official)})
              </option>
            ))}
          </select>
        </label>
        <label title={knob?.kind === 'slider' ? 'a list (1, 2, 4) or a range start:stop:step; empty: a spread over the range with the official value' : 'option names; empty: all of them'}>
          Values{' '}
          <input type="text" data-testid="ablation-values" value={valuesText} placeholder={values.map(formatKnobValue).join(', ')} onChange={(e) => setValuesText(e.target.value)} />
        </label>
        <label>
          Apply to{' '}
          <ScopeSelect testId="ablation-scope" scope={scope} sites={sites} onScope={setScope} />
        </label>
        {running ? (
          <button type="button" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        ) : (
          <button type="button" className="primary" data-testid="ablation-run" disabled={!photos.length || Boolean(valuesError) || Boolean(decoding)} onClick={() => void run()}>
            Run the ablation ({values.length} values × {photos.length} photos)
          </button>
        )}
      </div>
      {valuesError ? (
        <p className="error" role="alert" data-testid="ablation-values-error">
          {valuesError}
        </p>
      ) : null}
      {status ? (
        <p className="muted" role="status">
          {status}
        </p>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {rows.length ? (
        <>
          <table className="ablation-table" data-testid="ablation-table">
            <thead>
              <tr>
                <th>{knob?.label}</th>
                <th title="photos whose top-1 class equals the official setting's">top-1 agreement</th>
                <th title="mean over photos of the probability of that photo's official top-1 class">mean p(official class)</th>
                <th title="mean over photos of KL(official ‖ this value), nats">mean KL</th>
                <th>MACs / image</th>
                <th>GPU time / image</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i} className={r.official ? 'official' : ''} data-value={String(r.value)}>
                  <td>
                    {formatKnobValue(r.value)}
                    {r.official ? ' (official)' : ''}
                  </td>
                  <td>
                    {(100 * r.top1Agree).toFixed(1)} % ({Math.round(r.top1Agree * r.photos)}/{r.photos})
                  </td>
                  <td>{(100 * r.meanPOfficial).toFixed(2)} %</td>
                  <td>{r.meanKL.toPrecision(3)}</td>
                  <td>{formatCount(r.macs)}MACs</td>
                  <td>
                    {formatMs(r.msPerImage)}
                    {r.timeSource === 'wall' ? ' (wall)' : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <ChartFigure
            title={`${knob?.label} on ${rows[0].photos} photos (${choice.id})`}
            xLabel={`${knob?.label}${scope === 'all' ? '' : ` (${scopeLabel(scope, sites)})`}`}
            yLabel="% of photos / mean probability %"
            series={[
              { name: 'top-1 agreement with official (%)', points: chartRows.map((r, i) => ({ x: xOf(r, i), y: 100 * r.top1Agree })) },
              { name: 'mean p(official class) (%)', points: chartRows.map((r, i) => ({ x: xOf(r, i), y: 100 * r.meanPOfficial })) },
            ]}
            xLog={numeric && knob?.log}
            formatX={numeric ? undefined : (v) => (Number.isInteger(v) && rows[v] ? formatKnobValue(rows[v].value) : '')}
            yDomain={[0, 120]}
            formatY={(v) => (v <= 100 ? String(v) : '')}
            fileName={`ablation-${choice.id}-${knob?.key}`}
          />
          <button
            type="button"
            data-testid="ablation-csv"
            disabled={running}
            onClick={() => download(ablationCsv(rows, { model: choice.id, weights: weightsLabel, knob: knob!, scope: ranOn.scope, photos: ranOn.photos }), `ablation-${choice.id}-${knob?.key}.csv`, 'text/csv')}
          >
            Export CSV
          </button>
        </>
      ) : null}
    </div>
  );
}
