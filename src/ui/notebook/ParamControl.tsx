/**
 * The control of a param cell: slider (the WAI-ARIA Slider), number, select, toggle, image picker
 * (the sample photos, or your own) and token (set by clicking a map; shown as row and column).
 * Values go through the store's setParam, which asks the runtime what to re-run.
 */
import { useRef, useState } from 'react';
import { formatParamValue, refName, resolveParamSpec, type ParamCell } from '../../notebook';
import { SAMPLE_IMAGES, decodeImage } from '../../image/decode';
import { useSession } from '../../state/session';
import { Slider } from '../Slider';
import { useNotebook } from './store';
import { USER_PHOTO } from './photos';
import { noteChange } from '../interaction-timing';

/** The grid of an attention view whose `token` is this param (for showing row, column). */
function useTokenGrid(name: string): number | null {
  return useNotebook((s) => {
    for (const v of s.graph.views) {
      if (refName(v.config.token) !== name) continue;
      const g = v.config.grid;
      if (typeof g === 'number') return g;
      const gr = refName(g);
      const val = gr ? s.values[gr] : undefined;
      return typeof val === 'number' ? val : 14;
    }
    return null;
  });
}

function ImagePicker({ name, value, options }: { name: string; value: string; options?: Array<{ value: unknown; label: string }> }) {
  const setParam = useNotebook((s) => s.setParam);
  const { photo, setPhoto } = useSession();
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState('');
  const samples = SAMPLE_IMAGES.filter((s) => !options || options.some((o) => String(o.value) === s.file.replace(/\.[a-z]+$/, '') || String(o.value) === s.file));
  const own = !options || options.some((o) => o.value === USER_PHOTO);
  const take = async (f: File) => {
    try {
      setPhoto({ name: f.name, rgb: await decodeImage(f, f.name) });
      setError('');
      setParam(name, USER_PHOTO, true);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div
      className="image-picker"
      role="radiogroup"
      aria-label={name}
      title="a sample, or your own photo: pick, drop or paste one"
      onDragOver={(e) => own && Array.from(e.dataTransfer.types).includes('Files') && e.preventDefault()}
      onDrop={(e) => {
        const f = e.dataTransfer.files[0];
        if (!own || !f || !f.type.startsWith('image/')) return;
        e.preventDefault();
        void take(f);
      }}
      onPaste={(e) => {
        const f = Array.from(e.clipboardData.files).find((x) => x.type.startsWith('image/'));
        if (!own || !f) return;
        e.preventDefault();
        void take(f);
      }}
    >
      {samples.map((s) => {
        const v = s.file.replace(/\.[a-z]+$/, '');
        const on = value === v || value === s.file;
        return (
          <button key={s.file} type="button" role="radio" aria-checked={on} className={`sample ${on ? 'selected' : ''}`} title={`${s.title} — ${s.licence}`} onClick={() => setParam(name, v, true)}>
            <img src={`${import.meta.env.BASE_URL}samples/${s.file}`} alt={s.title} width={48} height={48} />
          </button>
        );
      })}
      {own ? (
        <>
          <button type="button" role="radio" aria-checked={value === USER_PHOTO} className={`sample own ${value === USER_PHOTO ? 'selected' : ''}`} onClick={() => (photo ? setParam(name, USER_PHOTO, true) : input.current?.click())}>
            {photo && value === USER_PHOTO ? photo.name.slice(0, 14) : 'your photo…'}
          </button>
          <input ref={input} type="file" accept="image/*" hidden onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void take(f);
            e.target.value = '';
          }} />
        </>
      ) : null}
      {error ? <span className="error" role="alert">{error}</span> : null}
    </div>
  );
}

export function ParamControl({ cell }: { cell: ParamCell }) {
  const name = cell.name;
  const value = useNotebook((s) => s.values[name]);
  const graph = useNotebook((s) => s.graph);
  const values = useNotebook((s) => s.values);
  const note = useNotebook((s) => s.paramNotes[name]);
  const store = useNotebook((s) => s.setParam);
  // a real change starts the slider→map clock (interaction-timing.ts)
  const setParam = (n: string, v: unknown, final: boolean) => {
    if (v !== value) noteChange(n);
    store(n, v, final);
  };
  const tokenGrid = useTokenGrid(name);
  const blocked = graph.blocked.get(cell.id);
  const spec = resolveParamSpec(graph, name, values);
  if (!cell.spec || !name) return <p className="cell-message">This param cannot be used until its errors are fixed.</p>;
  if (blocked || !spec) return <p className="cell-message" role="note">{blocked ?? 'This param cannot be set.'}</p>;
  if (cell.duplicate) return <p className="cell-message">A second definition of <code>{name}</code> (ignored).</p>;
  const label = spec.label ?? name;
  let control: React.ReactNode;
  switch (spec.kind) {
    case 'slider':
      control = (
        <Slider label={label} value={Number(value)} min={spec.min ?? 0} max={spec.max ?? 1} step={spec.step ?? ((spec.max ?? 1) - (spec.min ?? 0)) / 100} log={spec.log} onChange={(v, final) => setParam(name, v, final)} />
      );
      break;
    case 'number':
    case 'token': {
      const extra = spec.kind === 'token' && tokenGrid && typeof value === 'number' ? ` = row ${Math.floor(value / tokenGrid)}, column ${value % tokenGrid}` : '';
      control = (
        <label className="param-number">
          {label}{' '}
          <input
            type="number"
            value={Number(value)}
            min={spec.min}
            max={spec.max}
            step={spec.step ?? 'any'}
            onChange={(e) => e.target.value !== '' && setParam(name, Number(e.target.value), true)}
            data-param={name}
          />
          <span className="muted">{extra}{spec.kind === 'token' ? ' (or click a map)' : ''}</span>
        </label>
      );
      break;
    }
    case 'select':
      control = (
        <label>
          {label}{' '}
          <select value={formatParamValue(value)} onChange={(e) => setParam(name, spec.options!.find((o) => formatParamValue(o.value) === e.target.value)?.value ?? e.target.value, true)} data-param={name}>
            {spec.options!.map((o) => (
              <option key={formatParamValue(o.value)} value={formatParamValue(o.value)}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
      );
      break;
    case 'toggle':
      control = (
        <label className="param-toggle">
          <input type="checkbox" role="switch" checked={value === true} onChange={(e) => setParam(name, e.target.checked, true)} data-param={name} /> {label}
        </label>
      );
      break;
    case 'image':
      control = (
        <div className="param-image">
          <span>{label}</span>
          <ImagePicker name={name} value={String(value)} options={spec.options} />
        </div>
      );
      break;
  }
  return (
    <div className="param-control" data-param-cell={name}>
      {control}
      {note ? <p className="param-note" role="status">{note}</p> : null}
    </div>
  );
}
