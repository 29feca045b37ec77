/**
 * Classify the session photo with a full backbone: pick a model from the zoo, load its official
 * weights (download with progress + cache, drop a file, pick one), see what is cached, and get the
 * top-5 ImageNet classes with timings. WebGPU forward where the family has one, else the float64
 * CPU reference in a worker (said plainly).
 */
import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { fetchableSource, formatBytes, formatParams, zooFamily, zooVariant, DEFAULT_VARIANT, type Zoo, type ZooVariant } from '../../weights/zoo';
import { MODELS } from '../../models/registry';
import { useSession, type Photo } from '../../state/session';
import { useGpu } from '../../state/gpu';
import { cancelDownload, choiceOf, classifyNow, loadFile, loadSynthetic, loadUrl } from './actions';
import { CachedList } from './CachedList';
import { EvictOffer } from './EvictOffer';
import { TopKChart } from './TopKChart';
import { AttentionOverlay } from './AttentionOverlay';
import { useClassify } from './store';
import { weightsLabel } from './knobs/weights-label';
import { NetworkKnobs, type NetworkKnobsProps } from './knobs/NetworkKnobs';
import { networkKnobs } from './knobs/net-knobs';
import { AblationPanel } from './knobs/AblationPanel';
import { useZoo } from './zoo-data';
import './classify.css';
import { FileInput } from '../FileInput';

const implemented = new Set(MODELS.map((m) => m.family));

export interface ClassifyPanelProps {
  /** the photo to classify (the notebook's); default: the session photo of the Classify page */
  photo?: Photo | null;
  /** preselect this zoo variant when none is chosen yet (a notebook's `model:`) */
  variant?: string;
  /** heading level text; the notebook cell has its own */
  heading?: string | null;
  /** knob values / scope driven by a notebook's params */
  knobPreset?: NetworkKnobsProps['preset'];
  /** show the multi-photo ablation below the result (default true; notebooks have their own `view ablate`) */
  ablation?: boolean;
}

export function ClassifyPanel(props: ClassifyPanelProps = {}) {
  const { zoo, error: zooError } = useZoo();
  const [cacheRev, setCacheRev] = useState(0);
  const s = useClassify();
  const sessionPhoto = useSession((x) => x.photo);
  const photo = props.photo === undefined ? sessionPhoto : props.photo;
  useEffect(() => {
    if (props.variant && !useClassify.getState().selected && !useClassify.getState().loaded) useClassify.getState().set({ selected: props.variant });
  }, [props.variant]);
  const gpuStatus = useGpu((x) => x.status);
  const gpuGeneration = useGpu((x) => x.generation);

  // Re-run when the photo or the weights change, or on a new GPU device after a loss (the newest request wins).
  const loadedId = s.loaded?.info.id;
  const loadedSource = s.loaded?.source;
  useEffect(() => {
    if (zoo && loadedId && photo) void classifyNow(zoo, photo);
  }, [zoo, loadedId, loadedSource, photo, gpuGeneration]);

  if (zooError) return <p className="error" role="alert">{zooError}</p>;
  if (!zoo) return <p className="muted">Loading the model list…</p>;
  const afterLoad = () => setCacheRev((r) => r + 1);

  return (
    <section className="classify-panel" aria-label="Classify" data-testid="classify-panel">
      {props.heading === null ? null : <h2>{props.heading ?? 'Classify your photo'}</h2>}
      <p className="muted">
        Full backbones with their official ImageNet-1k weights, run in this page. Preprocessing is the official eval transform
        (shorter side 256 with PIL bicubic, centre crop, ImageNet mean/std; LITv2-B-384: 384×384, no crop).
      </p>
      <ModelPicker zoo={zoo} onLoaded={afterLoad} />
      <WeightsLoader zoo={zoo} onLoaded={afterLoad} />
      <CachedList zoo={zoo} rev={cacheRev} onChange={afterLoad} />
      <ResultView zoo={zoo} photo={photo} gpuStatus={gpuStatus} knobPreset={props.knobPreset} />
      {props.ablation === false ? null : <AblationSection zoo={zoo} />}
    </section>
  );
}

function variantLine(v: ZooVariant): string {
  return `${v.title} · ${formatParams(v.params)} params · top-1 ${v.top1} %`;
}

function ModelPicker({ zoo, onLoaded }: { zoo: Zoo; onLoaded(): void }) {
  const { selected, set, busy, progress } = useClassify();
  const v = selected ? zooVariant(zoo, selected) : undefined;
  const fam = v ? zooFamily(zoo, v.family) : undefined;
  return (
    <div className="classify-block">
      <label className="classify-row">
        <span>Model</span>
        <select
          data-testid="model-select"
          value={selected}
          onChange={(e) => set({ selected: e.target.value, error: '' })}
          aria-describedby="variant-info"
        >
          <option value="">detect from the file</option>
          {zoo.families.map((f) => (
            <optgroup key={f.family} label={`${f.title}${implemented.has(f.family) ? '' : ' (not implemented yet)'}`}>
              {zoo.variants
                .filter((x) => x.family === f.family)
                .map((x) => (
                  <option key={x.id} value={x.id} disabled={!implemented.has(x.family)}>
                    {variantLine(x)}
                  </option>
                ))}
            </optgroup>
          ))}
        </select>
      </label>
      <div id="variant-info" className="variant-info" data-testid="variant-info">
        {!v ? (
          <p className="muted">
            With “detect from the file”, a dropped or downloaded checkpoint is matched against every variant by its keys and shapes.
          </p>
        ) : (
          <>
            <p>
              <strong>{v.title}</strong> — {formatParams(v.params)} parameters, ImageNet top-1 {v.top1} % ({v.top1Source === 'spec' ? 'as published' : v.top1Source}),
              input {v.input.size}×{v.input.size}
              {v.input.crop ? ' (centre crop)' : ' (resized, no crop)'}.
            </p>
            {fam ? <p className="muted">Weights: {fam.weights}.</p> : null}
            {v.sourceNote ? <p className="muted warn">{v.sourceNote}</p> : null}
            {v.configNote ? <p className="muted warn">{v.configNote}</p> : null}
            <SourceActions zoo={zoo} v={v} disabled={Boolean(busy) || Boolean(progress)} onLoaded={onLoaded} />
          </>
        )}
      </div>
    </div>
  );
}

function SourceActions({ zoo, v, disabled, onLoaded }: { zoo: Zoo; v: ZooVariant; disabled: boolean; onLoaded(): void }) {
  if (!v.sources.length) return <p className="muted">No official weights are published for {v.title}: drop your own checkpoint below.</p>;
  return (
    <ul className="source-list">
      {v.sources.map((src) => (
        <li key={src.url}>
          {src.kind === 'direct' ? (
            <>
              <button
                type="button"
                data-testid="download-variant"
                disabled={disabled}
                onClick={() => void loadUrl(zoo, src.url, { variantId: v.id, expectedBytes: src.bytes }).then(onLoaded)}
              >
                Download {src.file}
                {src.bytes ? ` (${formatBytes(src.bytes)})` : ''} from {src.host}
              </button>{' '}
              {src.cors === false ? (
                <span className="muted">
                  — the host may not let this page read it; if the download is refused, <a href={src.url}>save the file</a> and drop it below.
                </span>
              ) : null}
            </>
          ) : (
            <span>
              <a href={src.url} target="_blank" rel="noopener noreferrer">
                Open the authors’ download page
              </a>{' '}
              ({src.host}{src.file ? `; file ${src.file}` : ''}) — it is a web page, not a file: download there, then drop the file below.
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

function WeightsLoader({ zoo, onLoaded }: { zoo: Zoo; onLoaded(): void }) {
  const { loaded, busy, progress, error, notes } = useClassify();
  const [over, setOver] = useState(false);
  const [url, setUrl] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const take = (f: File | undefined) => {
    if (f) void loadFile(zoo, f).then(onLoaded);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    take(e.dataTransfer.files[0]);
  };
  const vigT = zooVariant(zoo, DEFAULT_VARIANT);
  const vigTSrc = vigT ? fetchableSource(vigT) : undefined;
  return (
    <div className="classify-block">
      <h3>Weights</h3>
      {loaded ? (
        <p data-testid="loaded-model" className="loaded-model">
          Loaded <strong>{loaded.info.id}</strong>
          {loaded.info.kind === 'test' ? ' — test configuration (mini)' : ''}
          {loaded.synthetic ? <span className="warn" data-testid="synthetic-label"> — synthetic weights</span> : null} · {formatParams(loaded.info.paramCount)} params · {loaded.info.tensorCount} tensors
          · {loaded.info.format} · from <span className="mono">{loaded.source}</span> · parsed in {(loaded.info.ms.read + loaded.info.ms.parse).toFixed(0)} ms
        </p>
      ) : null}
      {loaded?.info.kind === 'test' ? (
        <p className="muted" data-testid="test-config-note">
          The file matches <strong>{loaded.info.id}</strong>, a test configuration (mini): a small configuration of the official code used by the
          test fixtures, with synthetic weights — not an ImageNet-trained model.
        </p>
      ) : null}
      {!loaded && !busy && !progress ? (
        <div className="no-weights" data-testid="no-weights">
          <p>
            <strong>No weights loaded.</strong> To classify, load a checkpoint. The quickest is ViG-T (
            {vigT ? `${formatParams(vigT.params)} params, top-1 ${vigT.top1} %` : ''}), straight from Hugging Face:
          </p>
          {vigTSrc ? (
            <button type="button" className="primary" data-testid="download-default" onClick={() => void loadUrl(zoo, vigTSrc.url, { variantId: DEFAULT_VARIANT, expectedBytes: vigTSrc.bytes }).then(onLoaded)}>
              Download ViG-T weights ({vigTSrc.file}, {vigTSrc.bytes ? formatBytes(vigTSrc.bytes) : 'size unknown'})
            </button>
          ) : null}
          <p className="muted">Or choose another model above, or drop a .pth / .safetensors file below.</p>
          <SyntheticButton zoo={zoo} onLoaded={onLoaded} />
        </div>
      ) : null}
      <div
        className={`dropzone ${over ? 'over' : ''}`}
        data-testid="weights-drop"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        Drop a checkpoint (.pth, .safetensors) here, or{' '}
        <button className="link" type="button" onClick={() => input.current?.click()}>
          choose a file
        </button>
        <FileInput ref={input} accept=".pth,.pt,.bin,.ckpt,.tar,.safetensors" testId="weights-input" onFile={take} />
      </div>
      <form
        className="classify-row url-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (url.trim()) void loadUrl(zoo, url.trim()).then(onLoaded);
        }}
      >
        <input type="text" placeholder="or a direct file URL (https://…)" value={url} onChange={(e) => setUrl(e.target.value)} aria-label="Checkpoint URL" data-testid="weights-url" />
        <button type="submit" disabled={!url.trim() || Boolean(progress)} data-testid="weights-url-load">
          Load URL
        </button>
      </form>
      {progress ? (
        <div className="progress-row" data-testid="weights-progress">
          <progress max={progress.total ?? undefined} value={progress.received} aria-label={progress.label} />
          <span className="muted">
            {progress.label}: {formatBytes(progress.received)}
            {progress.total ? ` of ${formatBytes(progress.total)} (${((100 * progress.received) / progress.total).toFixed(0)} %)` : ''}
          </span>
          <button type="button" onClick={cancelDownload}>
            Cancel
          </button>
        </div>
      ) : null}
      {busy && !progress ? (
        <p className="muted" role="status">
          {busy}
        </p>
      ) : null}
      {error ? <ErrorMessage text={error} /> : null}
      <EvictOffer onDone={onLoaded} />
      {notes.length ? (
        <details className="load-notes">
          <summary className="muted">file notes ({notes.length})</summary>
          <ul>
            {notes.map((n, i) => (
              <li key={i} className="muted">
                {n}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

/** Without a checkpoint: the selected (else the default) full-size variant with seeded synthetic weights. */
function SyntheticButton({ zoo, onLoaded }: { zoo: Zoo; onLoaded(): void }) {
  const selected = useClassify((x) => x.selected);
  const gpuReady = useGpu((x) => x.status) === 'ready';
  const id = selected && choiceOf(zoo, selected)?.model.forwardGpu ? selected : DEFAULT_VARIANT;
  if (!gpuReady) return null;
  return (
    <p className="muted">
      No checkpoint at hand?{' '}
      <button type="button" data-testid="load-synthetic" onClick={() => void loadSynthetic(zoo, id).then(onLoaded)}>
        Use {id} with synthetic weights
      </button>{' '}
      — the full-size architecture with seeded random weights: its knobs, MACs, time and maps are real, its classes are not.
    </p>
  );
}

/** The multi-photo ablation of the loaded weights (WebGPU; families whose forward takes knobs). */
function AblationSection({ zoo }: { zoo: Zoo }) {
  const loaded = useClassify((x) => x.loaded);
  const ctx = useGpu((x) => x.ctx);
  const choice = useMemo(() => (loaded ? choiceOf(zoo, loaded.info.id) : null), [zoo, loaded]);
  if (!loaded?.params || !ctx || !choice?.model.forwardGpu || !networkKnobs(choice.model, choice.cfg).length) return null;
  return (
    <>
      <AblationPanel choice={choice} ctx={ctx} params={loaded.params} weightsLabel={weightsLabel(loaded)} />
      <p className="muted">
        The same ablation is a notebook: <a href="#nb=ablate">ablate.md</a>.
      </p>
    </>
  );
}


function ResultView({ zoo, photo, gpuStatus, knobPreset }: { zoo: Zoo; photo: Photo | null; gpuStatus: string; knobPreset?: NetworkKnobsProps['preset'] }) {
  const { loaded, result, running, forceCpu, set } = useClassify();
  const photoReady = Boolean(photo);
  const choice = useMemo(() => (loaded ? choiceOf(zoo, loaded.info.id) : null), [zoo, loaded]);
  const gpuPossible = Boolean(choice?.model.forwardGpu) && gpuStatus === 'ready';
  const onGpu = gpuPossible && !forceCpu;
  const stale = result && (result.modelId !== loaded?.info.id || result.photoName !== photo?.name);
  const ctx = useGpu((x) => x.ctx);
  const overlayReady = result && !stale && result.backend === 'webgpu' && choice?.model.attentionSites && ctx && loaded?.params && result.tensor && result.preview;
  return (
    <div className="classify-block">
      <h3>Result</h3>
      {!photoReady ? <p className="muted">Choose a photo (a sample, drop, paste or pick one) to classify it.</p> : null}
      {loaded && photoReady ? (
        <div className="classify-row">
          <button type="button" className="primary" data-testid="classify-run" disabled={running} onClick={() => void classifyNow(zoo, photo)}>
            {running ? 'Classifying…' : result ? 'Classify again' : 'Classify'}
          </button>
          <span className="muted" data-testid="classify-path">
            {onGpu
              ? 'runs on WebGPU'
              : gpuPossible
                ? 'runs on the CPU reference (float64, in a worker) — slower'
                : choice?.model.forwardGpu
                  ? 'runs on the CPU reference (float64, in a worker) — slower, no WebGPU here'
                  : 'runs on the CPU reference (float64, in a worker) — slower; this family has no WebGPU forward yet'}
          </span>
          {gpuPossible ? (
            <label className="muted">
              <input
                type="checkbox"
                checked={forceCpu}
                data-testid="force-cpu"
                onChange={(e) => {
                  set({ forceCpu: e.target.checked });
                  void classifyNow(zoo, photo);
                }}
              />{' '}
              use the float64 CPU reference instead (to compare)
            </label>
          ) : null}
        </div>
      ) : null}
      {result ? (
        <div className={`classify-result ${stale || running ? 'stale' : ''}`} data-testid="classify-result" data-model={result.modelId} data-top5={result.top.map((t) => t.index).join(',')}>
          <div className="classify-figures">
            <TopKChart
              top={result.top}
              title={`${result.modelId}${loaded?.synthetic ? ' (synthetic weights)' : ''} on ${result.photoName}: top-5 (softmax)`}
              fileName={`classify-${result.modelId}-${result.photoName.replace(/\.[^.]+$/, '')}`}
            />
            {result.preview ? <InputPreview rgba={result.preview} size={result.input.size} /> : null}
          </div>
          <p className="muted" data-testid="classify-backend">
            {result.backend === 'webgpu' ? 'Computed on WebGPU (fp32).' : 'Computed by the CPU reference (float64, in a Web Worker) — slower than WebGPU.'}{' '}
            Input {result.input.size}×{result.input.size}
            {result.input.crop ? `, centre crop at row ${result.input.top}, column ${result.input.left} of the resized photo` : ', resized without crop'}.
          </p>
          <p className="classify-times" data-testid="classify-times">
            preprocess {result.ms.preprocess.toFixed(0)} ms · forward {result.ms.forward.toFixed(0)} ms
            {result.ms.stages?.length ? ` (stages ${result.ms.stages.map((t) => t.toFixed(1)).join(' / ')} ms)` : ''} · total {result.ms.total.toFixed(0)} ms
          </p>
          {result.notes.map((n, i) => (
            <p key={i} className="muted warn">
              {n}
            </p>
          ))}
          {loaded?.synthetic ? (
            <p className="muted warn" data-testid="synthetic-note">
              Synthetic weights (seeded PRNG, the full-size architecture, not trained): the classes are meaningless; the knobs, MACs, time and maps show the
              architecture at work. Load a checkpoint for a real model.
            </p>
          ) : null}
          {loaded?.info.kind === 'test' ? (
            <p className="muted warn">These are synthetic test weights (a mini configuration), so the classes are meaningless; they only check the pipeline.</p>
          ) : null}
        </div>
      ) : null}
      {overlayReady && choice && ctx && loaded && networkKnobs(choice.model, choice.cfg).length ? (
        <NetworkKnobs
          choice={choice}
          ctx={ctx}
          params={loaded.params!}
          tensor={result.tensor!}
          preview={result.preview!}
          resultKey={`${result.modelId}|${result.photoName}|${loaded.source}`}
          weightsLabel={weightsLabel(loaded)}
          preset={knobPreset}
        />
      ) : overlayReady && choice && ctx && loaded ? (
        <AttentionOverlay
          choice={choice}
          ctx={ctx}
          params={loaded.params!}
          tensor={result.tensor!}
          preview={result.preview!}
          resultKey={`${result.modelId}|${result.photoName}|${result.ms.total}`}
        />
      ) : result && result.backend !== 'webgpu' && !running ? (
        <p className="muted" data-testid="overlay-unavailable">
          The per-layer attention overlay runs on WebGPU: {choice?.model.forwardGpu ? 'untick the CPU reference above (or use a browser with WebGPU) to see it.' : 'this family has no WebGPU forward yet.'}
        </p>
      ) : null}
      {!result && running ? (
        <p className="muted" role="status">
          Classifying…
        </p>
      ) : null}
    </div>
  );
}

/**
 * A refusal, readable: key-mismatch messages ("x does not match y; missing …; mis-shaped …; the file
 * looks like …") become a headline and a list; other messages stay one paragraph.
 */
function ErrorMessage({ text }: { text: string }) {
  const parts = /does not match|fits no configuration/.test(text) ? text.split('; ') : [text];
  return (
    <div className="error classify-error" role="alert" data-testid="classify-error">
      <p>{parts[0]}</p>
      {parts.length > 1 ? (
        <ul>
          {parts.slice(1).map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The exact pixels the network classified (after resize and crop), before normalisation. */
function InputPreview({ rgba, size }: { rgba: Uint8ClampedArray; size: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const g = ref.current?.getContext('2d');
    if (g) g.putImageData(new ImageData(new Uint8ClampedArray(rgba), size, size), 0, 0);
  }, [rgba, size]);
  return (
    <figure className="input-preview">
      <canvas ref={ref} width={size} height={size} aria-label="network input" />
      <figcaption className="muted">
        network input ({size}×{size})
      </figcaption>
    </figure>
  );
}
