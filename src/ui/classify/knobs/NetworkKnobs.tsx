/**
 * Knobs on the trained network: the family's knobs with a scope, and for each setting one GPU
 * forward of the whole backbone on the photo that updates, together, the top-5, the change against
 * the official setting (probability and rank of the official top-1, KL(official ‖ knob)), the
 * network's MACs at the setting, the measured GPU time and the chosen layer's maps over the photo.
 * Moves while a forward runs are coalesced (latest wins), so a drag never queues stale forwards.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { topK, type ClassScore } from '../../../models/classify';
import { isOfficial, type KnobScope, type KnobSetting, type KnobValue } from '../../../models/knobs';
import type { CapturedSite } from '../../../models/overlay';
import { formatCount, formatMs } from '../../format';
import { AttentionOverlay, type ClassifiedInput } from '../AttentionOverlay';
import { TopKChart } from '../TopKChart';
import { compareToOfficial, type KnobDelta } from './compare';
import { KnobControls } from './KnobControls';
import { knobForward } from './knob-run';
import { latestWins } from './latest-wins';
import { RolloutPanel } from './RolloutPanel';
import { rolloutMap, type RolloutMap } from './rollout-run';
import { describeSetting, networkKnobs, networkMacs, settingKey, settingOf } from './net-knobs';

declare global {
  interface Window {
    /** test hook: the last knob forward shown */
    /** test hook: the last rollout drawn */
    __attnLastRollout?: { seq: number; model: string; setting: string; query: number; layers: number; H: number; W: number; sum: number; values: number[] };
    __attnLastKnob?: { seq: number; model: string; setting: string; official: boolean; top5: number[]; probs: number[]; macs: number; officialMacs: number; gpuMs: number; delta: KnobDelta; site: number };
  }
}

export interface NetworkKnobsProps extends ClassifiedInput {
  /** 'synthetic' when the weights are the seeded synthetic ones (said next to every number) */
  weightsLabel: string;
  /** values and scope set from outside (a notebook's params); those knobs are not editable here */
  preset?: { values?: Record<string, KnobValue>; scope?: KnobScope };
}

interface Outcome {
  key: string;
  setting: KnobSetting;
  top: ClassScore[];
  delta: KnobDelta;
  macs: number;
  gpuMs: number;
  timeSource: 'timestamp' | 'wall';
  wallMs: number;
  captured: CapturedSite | null;
  siteIdx: number;
}

interface Request {
  resultKey: string;
  setting: KnobSetting;
  siteIdx: number;
  /** also the attention rollout (every layer captured in the same forward) */
  rollout: boolean;
  /** the rollout's query (last layer's grid; null = centre) */
  query: number | null;
  /** only the rollout query moved: reuse the last forward's captures when they are of this setting */
  queryOnly: boolean;
}

interface Done {
  outcome: Outcome | null;
  rollout: RolloutMap | null;
  rolloutError: string;
}

export function NetworkKnobs({ choice, ctx, params, tensor, preview, resultKey, weightsLabel, preset }: NetworkKnobsProps) {
  const S = tensor.shape[2];
  const knobs = useMemo(() => networkKnobs(choice.model, choice.cfg), [choice]);
  const sites = useMemo(() => choice.model.attentionSites?.(choice.cfg, S, S) ?? [], [choice, S]);
  const [values, setValues] = useState<Record<string, KnobValue>>(() => ({ ...preset?.values }));
  const [scope, setScope] = useState<KnobScope>(preset?.scope ?? 'all');
  const [siteIdx, setSiteIdx] = useState(() => Math.max(0, sites.length - 1));
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState('');
  const [rolloutOn, setRolloutOn] = useState(true);
  const [query, setQuery] = useState<number | null>(null);
  const [roll, setRoll] = useState<{ map: RolloutMap | null; error: string }>({ map: null, error: '' });

  // a notebook's params drive their knobs
  const presetKey = JSON.stringify(preset ?? {});
  useEffect(() => {
    if (preset?.values) setValues((v) => ({ ...v, ...preset.values }));
    if (preset?.scope) setScope(preset.scope);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [presetKey]);
  const locked = useMemo(() => new Set(Object.keys(preset?.values ?? {})), [presetKey]); // eslint-disable-line react-hooks/exhaustive-deps

  const setting = useMemo(() => settingOf(knobs, values, scope), [knobs, values, scope]);
  const sKey = settingKey(setting);
  const officialMacs = useMemo(() => choice.model.macs(choice.cfg, S, S), [choice, S]);

  // what the runner reads when a job starts (always the newest props)
  const live = useRef({ choice, ctx, params, tensor, knobs, sites });
  live.current = { choice, ctx, params, tensor, knobs, sites };
  const baseline = useRef<{ key: string; logits: Float32Array } | null>(null);
  const lastCaptures = useRef<{ key: string; captures: Record<number, Float32Array> } | null>(null);
  const show = (req: Request, o: Outcome) => {
    if (req.resultKey !== latestReq.current?.resultKey) return; // the photo or weights changed meanwhile
    setOutcome(o);
    setError('');
    window.__attnLastKnob = {
      seq: (window.__attnLastKnob?.seq ?? 0) + 1, model: live.current.choice.id, setting: o.key, official: isOfficial(o.setting), top5: o.top.map((t) => t.index), probs: o.top.map((t) => t.p),
      macs: o.macs, officialMacs: live.current.choice.model.macs(live.current.choice.cfg, S, S), gpuMs: o.gpuMs, delta: o.delta, site: o.siteIdx,
    };
  };
  const runner = useRef<ReturnType<typeof latestWins<Request, Done>> | null>(null);
  runner.current ??= latestWins<Request, Done>(
    async (req) => {
      const { choice: c, ctx: g, params: w, tensor: x } = live.current;
      const size = x.shape[2];
      const capKey = `${req.resultKey}|${settingKey(req.setting)}`;
      let outcome: Outcome | null = null;
      let captures = req.queryOnly && lastCaptures.current?.key === capKey ? lastCaptures.current.captures : null;
      if (!captures) {
        if (baseline.current?.key !== req.resultKey && !isOfficial(req.setting)) {
          const off = await knobForward(g, c, w, x, { values: {}, scope: 'all' }, null);
          baseline.current = { key: req.resultKey, logits: off.logits };
        }
        const r = await knobForward(g, c, w, x, req.setting, req.siteIdx, req.rollout);
        if (isOfficial(req.setting)) baseline.current = { key: req.resultKey, logits: r.logits };
        outcome = {
          key: settingKey(req.setting), setting: req.setting, top: topK(r.logits, 5), delta: compareToOfficial(baseline.current!.logits, r.logits),
          macs: networkMacs(c.model, c.cfg, size, req.setting), gpuMs: r.gpuMs, timeSource: r.timeSource, wallMs: r.wallMs, captured: r.captured, siteIdx: req.siteIdx,
        };
        show(req, outcome); // the top-5, MACs, time and layer map now; the rollout follows
        captures = r.captures;
        if (captures) lastCaptures.current = { key: capKey, captures };
      }
      if (!req.rollout || !captures) return { outcome, rollout: null, rolloutError: '' };
      try {
        return { outcome, rollout: await rolloutMap(g, c, w, size, captures, req.setting, req.query), rolloutError: '' };
      } catch (e) {
        return { outcome, rollout: null, rolloutError: (e as Error).message };
      }
    },
    (req, d) => {
      if (req.resultKey !== latestReq.current?.resultKey) return;
      setPending(latestReq.current !== req);
      if (req.rollout) {
        setRoll({ map: d.rollout, error: d.rolloutError });
        if (d.rollout) window.__attnLastRollout = { seq: (window.__attnLastRollout?.seq ?? 0) + 1, model: live.current.choice.id, setting: settingKey(req.setting), query: d.rollout.query, layers: d.rollout.layers, H: d.rollout.H, W: d.rollout.W, sum: d.rollout.values.reduce((a, v) => a + v, 0), values: Array.from(d.rollout.values) };
      }
    },
    (req, e) => {
      if (req !== latestReq.current) return;
      setPending(false);
      setError((e as Error).message);
    },
  );
  const latestReq = useRef<Request | null>(null);

  // a query click only recomputes the rollout from the last forward's captures
  const prev = useRef<{ resultKey: string; sKey: string; siteIdx: number; rolloutOn: boolean } | null>(null);
  useEffect(() => {
    const p = prev.current;
    const queryOnly = p !== null && p.resultKey === resultKey && p.sKey === sKey && p.siteIdx === siteIdx && p.rolloutOn === rolloutOn;
    prev.current = { resultKey, sKey, siteIdx, rolloutOn };
    const req: Request = { resultKey, setting, siteIdx, rollout: rolloutOn, query, queryOnly };
    latestReq.current = req;
    setPending(true);
    runner.current!.submit(req);
    // setting is described by sKey
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [resultKey, sKey, siteIdx, rolloutOn, query]);
  useEffect(() => () => runner.current?.cancel(), []);

  if (!knobs.length) {
    return (
      <div className="classify-block" data-testid="network-knobs">
        <h3>Knobs on the network</h3>
        <p className="muted" data-testid="knobs-none">
          {choice.model.title} offers no knobs on the whole network in this version: its forward does not take a knob setting yet.
        </p>
      </div>
    );
  }
  const o = outcome;
  const changed = o && !isOfficial(o.setting);
  return (
    <div className="classify-block network-knobs" data-testid="network-knobs" data-setting={o?.key ?? ''} data-pending={String(pending)}>
      <h3>Knobs on the network</h3>
      <p className="muted">
        The knobs of {choice.model.title}’s attention, applied inside the whole {choice.id} ({weightsLabel}). Each move re-runs the forward on the GPU;
        hover a knob (or its <span className="knob-help">?</span>) for exactly which parameter of the official module it sets.
      </p>
      <KnobControls
        knobs={knobs}
        values={values}
        scope={scope}
        sites={sites}
        locked={locked}
        onValue={(k, v) => setValues((old) => ({ ...old, [k]: v }))}
        onScope={setScope}
        onReset={() => {
          setValues({ ...preset?.values });
          setScope(preset?.scope ?? 'all');
        }}
      />
      {error ? (
        <p className="error" role="alert" data-testid="knob-error">
          {error}
        </p>
      ) : null}
      {o ? (
        <div className={`knob-outcome ${pending ? 'stale' : ''}`} data-testid="knob-outcome" data-top5={o.top.map((t) => t.index).join(',')}>
          <div className="classify-figures">
            <TopKChart top={o.top} title={`${choice.id} (${weightsLabel}) at ${o.key === 'official' ? 'the official setting' : 'this setting'}: top-5`} fileName={`knobs-${choice.id}-${o.key.replace(/[^a-z0-9]+/gi, '-')}`} />
            <table className="knob-table" data-testid="knob-delta">
              <tbody>
                <tr>
                  <th scope="row">setting</th>
                  <td>{describeSetting(knobs, o.setting, sites)}</td>
                </tr>
                <tr>
                  <th scope="row">official top-1</th>
                  <td>
                    {o.top.find((t) => t.index === o.delta.officialTop1)?.label ?? `class ${o.delta.officialTop1}`}: {pct(o.delta.pOfficial)}
                    {changed ? ` → ${pct(o.delta.pKnob)} here, rank ${o.delta.rank}` : ''}
                  </td>
                </tr>
                <tr>
                  <th scope="row" title="Kullback–Leibler divergence of the knob's class distribution from the official one, Σ p_official · log(p_official / p_knob), in nats">
                    KL(official ‖ knob)
                  </th>
                  <td data-testid="knob-kl">{o.delta.kl.toPrecision(3)} nats</td>
                </tr>
                <tr>
                  <th scope="row">MACs (papers’ FLOPs)</th>
                  <td data-testid="knob-macs" data-macs={o.macs}>
                    {macsText(o.macs)}
                    {o.macs !== officialMacs ? ` (official ${macsText(officialMacs)}, ×${(o.macs / officialMacs).toFixed(3)})` : ' (= official)'}
                  </td>
                </tr>
                <tr>
                  <th scope="row">time</th>
                  <td data-testid="knob-time">
                    {formatMs(o.gpuMs)} {o.timeSource === 'timestamp' ? 'GPU (timestamps)' : 'wall, to the logits (no timestamps here)'} · {formatMs(o.wallMs)} to the page
                  </td>
                </tr>
              </tbody>
            </table>
          </div>
          {pending ? (
            <p className="muted" role="status">
              updating…
            </p>
          ) : null}
        </div>
      ) : (
        <p className="muted" role="status">
          Running the forward…
        </p>
      )}
      <label className="muted">
        <input type="checkbox" checked={rolloutOn} data-testid="rollout-toggle" onChange={(e) => setRolloutOn(e.target.checked)} /> attention rollout through every
        layer (each forward then captures all layers’ inputs)
      </label>
      {rolloutOn ? (
        <RolloutPanel family={choice.family} modelId={choice.id} map={roll.map} pending={pending} error={roll.error} preview={preview} size={S} opacity={0.6} onQuery={setQuery} />
      ) : null}
      <AttentionOverlay
        choice={choice}
        ctx={ctx}
        params={params}
        tensor={tensor}
        preview={preview}
        resultKey={`${resultKey}|${o?.key ?? ''}`}
        external={{ captured: o?.captured ?? null, siteIdx, onSite: setSiteIdx, settingLabel: o ? describeSetting(knobs, o.setting, sites) : '' }}
      />
    </div>
  );
}

const macsText = (m: number) => `${formatCount(m)}MACs`;

function pct(p: number): string {
  const v = 100 * p;
  return `${v >= 10 ? v.toFixed(1) : v >= 0.01 ? v.toPrecision(2) : v.toExponential(1)} %`;
}
