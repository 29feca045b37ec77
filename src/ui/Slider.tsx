/**
 * A WAI-ARIA slider: role=slider with aria-value*, arrows/PageUp/PageDown/Home/End, drag, and a
 * typed value box. `onChange(v, final)` — final=false while dragging (cheap views), true on release.
 */
import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';

export interface SliderProps {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  log?: boolean;
  format?: (v: number) => string;
  note?: string;
  onChange(v: number, final: boolean): void;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function Slider({ label, value, min, max, step, log, format, note, onChange }: SliderProps) {
  const id = useId();
  const track = useRef<HTMLDivElement>(null);
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  const toT = (v: number) => (log ? Math.log(v / min) / Math.log(max / min) : (v - min) / (max - min));
  const fromT = (t: number) => (log ? min * (max / min) ** t : min + t * (max - min));
  const snap = useCallback(
    (v: number) => {
      const c = clamp(v, min, max);
      if (log) return Number(c.toPrecision(3));
      const s = Math.round((c - min) / step) * step + min;
      return Number(clamp(s, min, max).toFixed(10));
    },
    [min, max, step, log],
  );
  const fromPointer = (e: PointerEvent) => {
    const r = track.current!.getBoundingClientRect();
    return snap(fromT(clamp((e.clientX - r.left) / r.width, 0, 1)));
  };
  const onKey = (e: KeyboardEvent) => {
    const big = log ? 0.1 : Math.max(step, (max - min) / 10);
    let v: number | null = null;
    const stepBy = (dir: number, amount: number) => (log ? fromT(clamp(toT(value) + dir * amount, 0, 1)) : value + dir * amount);
    switch (e.key) {
      case 'ArrowRight': case 'ArrowUp': v = stepBy(1, log ? 0.02 : step); break;
      case 'ArrowLeft': case 'ArrowDown': v = stepBy(-1, log ? 0.02 : step); break;
      case 'PageUp': v = stepBy(1, big); break;
      case 'PageDown': v = stepBy(-1, big); break;
      case 'Home': v = min; break;
      case 'End': v = max; break;
    }
    if (v !== null) {
      e.preventDefault();
      onChange(snap(v), true);
    }
  };
  const shown = format ? format(value) : String(value);
  return (
    <div className="slider">
      <label id={`${id}-label`} htmlFor={`${id}-input`}>{label}</label>
      <div
        className="slider-track"
        ref={track}
        onPointerDown={(e) => {
          (e.target as HTMLElement).setPointerCapture(e.pointerId);
          onChange(fromPointer(e), false);
        }}
        onPointerMove={(e) => {
          if (e.buttons & 1) onChange(fromPointer(e), false);
        }}
        onPointerUp={(e) => onChange(fromPointer(e), true)}
      >
        <div className="slider-fill" style={{ width: `${toT(value) * 100}%` }} />
        <div
          className="slider-thumb"
          role="slider"
          tabIndex={0}
          aria-labelledby={`${id}-label`}
          aria-valuemin={min}
          aria-valuemax={max}
          aria-valuenow={value}
          aria-valuetext={shown}
          style={{ left: `${toT(value) * 100}%` }}
          onKeyDown={onKey}
        />
      </div>
      <input
        id={`${id}-input`}
        className="slider-input"
        type="text"
        inputMode="decimal"
        aria-label={`${label} value`}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          const v = Number(text);
          if (Number.isFinite(v)) onChange(snap(v), true);
          else setText(String(value));
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
        }}
      />
      {note ? <span className="slider-note">{note}</span> : null}
    </div>
  );
}
