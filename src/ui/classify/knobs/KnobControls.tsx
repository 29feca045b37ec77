/**
 * The knobs of a loaded backbone's family (sliders, selects, toggles), each with its exact meaning
 * as a tooltip and a note when it leaves the trained value; the scope picker (all attention layers,
 * one stage, one block) and one button that resets everything to the official setting.
 */
import type { KnobScope, KnobValue, NetworkKnob } from '../../../models/knobs';
import type { AttentionSite } from '../../../models/types';
import { Slider } from '../../Slider';
import { formatKnobValue, sameValue, scopeChoices } from './net-knobs';

export interface KnobControlsProps {
  knobs: readonly NetworkKnob[];
  values: Record<string, KnobValue>;
  scope: KnobScope;
  sites: readonly AttentionSite[];
  onValue(key: string, v: KnobValue): void;
  onScope(s: KnobScope): void;
  onReset(): void;
  /** keys driven from outside (a notebook param): shown, not editable here */
  locked?: ReadonlySet<string>;
}

/** Which attention layers a knob setting acts on (scopeChoices: all, a stage, one block). */
export function ScopeSelect({ testId, scope, sites, onScope }: { testId: string; scope: KnobScope; sites: readonly AttentionSite[]; onScope: (s: KnobScope) => void }) {
  return (
    <select data-testid={testId} value={scope} onChange={(e) => onScope(e.target.value as KnobScope)}>
      {scopeChoices(sites).map((c) => (
        <option key={c.value} value={c.value}>
          {c.label}
        </option>
      ))}
    </select>
  );
}

export function KnobControls({ knobs, values, scope, sites, onValue, onScope, onReset, locked }: KnobControlsProps) {
  const moved = knobs.filter((k) => !sameValue(values[k.key], k));
  return (
    <div className="knob-controls" data-testid="knob-controls">
      <div className="classify-row">
        <label title="Which attention layers the knobs act on; the others keep their trained setting.">
          Apply to{' '}
          <ScopeSelect testId="knob-scope" scope={scope} sites={sites} onScope={onScope} />
        </label>
        <button type="button" data-testid="knob-reset" disabled={moved.length === 0 && scope === 'all'} onClick={onReset} title="Every knob back to its trained value, scope back to all layers">
          Reset to the official setting
        </button>
        <span className={moved.length ? 'knob-state warn' : 'knob-state muted'} data-testid="knob-state">
          {moved.length ? `${moved.length} knob${moved.length > 1 ? 's' : ''} off the trained setting` : 'official (trained) setting'}
        </span>
      </div>
      <div className="knob-list">
        {knobs.map((k) => (
          <KnobControl key={k.key} knob={k} value={values[k.key] ?? k.official} locked={locked?.has(k.key) ?? false} onValue={(v) => onValue(k.key, v)} />
        ))}
      </div>
    </div>
  );
}

function KnobControl({ knob, value, locked, onValue }: { knob: NetworkKnob; value: KnobValue; locked: boolean; onValue(v: KnobValue): void }) {
  const off = !sameValue(value, knob);
  const note = off ? `left the trained setting (official: ${formatKnobValue(knob.official)})` : undefined;
  const help = (
    <span className="knob-help" tabIndex={0} title={knob.help} aria-label={`${knob.label}: ${knob.help}`} data-testid={`knob-help-${knob.key}`}>
      ?
    </span>
  );
  const body =
    knob.kind === 'slider' ? (
      <Slider
        label={knob.label}
        min={knob.min ?? 0}
        max={knob.max ?? 1}
        step={knob.step ?? 1}
        log={knob.log}
        value={typeof value === 'number' ? value : Number(value)}
        note={note}
        onChange={(v) => !locked && onValue(v)}
      />
    ) : knob.kind === 'choice' ? (
      <label className="knob-choice">
        <span>{knob.label}</span>{' '}
        <select value={String(value)} disabled={locked} onChange={(e) => onValue(e.target.value)}>
          {(knob.options ?? []).map((o) => (
            <option key={o} value={o}>
              {o}
              {o === knob.official ? ' (trained)' : ''}
            </option>
          ))}
        </select>{' '}
        {note ? <span className="slider-note">{note}</span> : null}
      </label>
    ) : (
      <label className="knob-choice">
        <input type="checkbox" checked={Boolean(value)} disabled={locked} onChange={(e) => onValue(e.target.checked)} /> {knob.label}
        {knob.official === true ? ' (trained: on)' : ''}{' '}
        {note ? <span className="slider-note">{note}</span> : null}
      </label>
    );
  return (
    <div className={`knob ${off ? 'knob-off' : ''}`} data-testid={`knob-${knob.key}`} data-official={String(!off)} title={knob.help}>
      {body}
      {help}
      {locked ? <span className="muted"> (set by the notebook's parameter)</span> : null}
    </div>
  );
}
