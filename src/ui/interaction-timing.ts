/**
 * Slider → map latency, always on (a few `performance` calls per change). A control calls
 * noteChange() in its input handler; every map figure runs useMapTiming(). When the first map that
 * shows the changed value has been drawn and the frame holding it presented, one
 * `performance.measure('slider→map')` is recorded from the change to that moment, with detail
 * MapTimingDetail ({op, grid, …} and the phase boundaries).
 *
 * Which map "shows the changed value": only the latest change is pending. A view that depends on it
 * re-renders at once with its old map still up (that commit arms the view's map container); the
 * next new map committed in an armed container claims the change. Views drop results of superseded
 * runs, so that map was computed from the latest value. A change superseded before any map claimed
 * it is never measured, and never credited with the newer change's map.
 */
import { useEffect, useLayoutEffect, useRef, type RefObject } from 'react';

export const SLIDER_TO_MAP = 'slider→map';
/** marks at the phase boundaries of the latest measured change (for a profile in DevTools) */
export const MARK_CHANGE = 'slider→map:change';
export const MARK_COMMIT = 'slider→map:map-committed';
export const MARK_DRAWN = 'slider→map:map-drawn';

/** measures kept in the performance timeline before the oldest are cleared */
const MAX_MEASURES = 1000;

export interface Change {
  seq: number;
  /** performance.now() of the input event */
  t0: number;
  /** what changed: a param name, or `token` for a click on a map */
  source: string;
}

export interface MapTimingDetail {
  op: string;
  grid: number;
  source: string;
  seq: number;
  /** from the change: the new map committed by React (compute, read-back and render done) */
  commitMs: number;
  /** from the change: every map panel of that commit drawn on its canvas */
  drawnMs: number;
  /** from the change: the frame with the new map presented (= the measure's duration) */
  shownMs: number;
}

/** The change bookkeeping, free of React and of the DOM (tests drive it with their own clock). */
export class ChangeTracker {
  private seq = 0;
  private pending: Change | null = null;

  constructor(private readonly now: () => number = () => performance.now()) {}

  change(source: string): Change {
    this.pending = { seq: ++this.seq, t0: this.now(), source };
    return this.pending;
  }

  /** The seq a view's container is armed with when it re-renders with its old map (null: nothing pending). */
  armSeq(): number | null {
    return this.pending?.seq ?? null;
  }

  /** A new map committed in a container armed with `armed`: the pending change, if it is the one armed for. */
  claim(armed: number | undefined): Change | null {
    const p = this.pending;
    if (!p || armed !== p.seq) return null;
    this.pending = null;
    return p;
  }

  latestSeq(): number {
    return this.seq;
  }
}

const tracker = new ChangeTracker();
const armed = new WeakMap<Element, number>();
let measures = 0;

/** Call in a control's input handler when its value really changes. */
export function noteChange(source: string): void {
  const c = tracker.change(source);
  performance.clearMarks(MARK_CHANGE);
  performance.mark(MARK_CHANGE, { startTime: c.t0, detail: { seq: c.seq, source } });
}

/** `mhsa-56x56-token105` (the map figures' file names) → op and grid. */
export function parseMapName(fileName: string): { op: string; grid: number } {
  const m = /^([A-Za-z0-9_]+)-(\d+)x\d+(?:-|$)/.exec(fileName);
  return m ? { op: m[1], grid: Number(m[2]) } : { op: fileName, grid: NaN };
}

/** After the frame that holds what was just drawn has been presented. */
function afterPresent(then: () => void): void {
  // rAF runs before that frame's paint; a message posted from it runs after the paint
  requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      then();
    };
    ch.port2.postMessage(null);
  });
}

function record(c: Change, commit: number, drawn: number, shown: number, fileName: string): void {
  const detail: MapTimingDetail = { ...parseMapName(fileName), source: c.source, seq: c.seq, commitMs: commit - c.t0, drawnMs: drawn - c.t0, shownMs: shown - c.t0 };
  if (++measures > MAX_MEASURES) {
    performance.clearMeasures(SLIDER_TO_MAP);
    measures = 1;
  }
  performance.measure(SLIDER_TO_MAP, { start: c.t0, end: shown, detail });
}

/**
 * In a map figure: `box` holds the figure (its parent element is the view's map container),
 * `panel` the map drawn (a new object per computation), `fileName` names op and grid.
 * Its effects run after the child canvas's draw effect.
 */
export function useMapTiming(box: RefObject<HTMLElement | null>, panel: unknown, fileName: string): void {
  const shown = useRef<unknown>(undefined);
  const claimed = useRef<{ change: Change; commit: number } | null>(null);
  // every commit: arm the container while the old map is up, or claim with a new map
  useLayoutEffect(() => {
    const where = box.current?.parentElement;
    const fresh = shown.current !== panel;
    shown.current = panel;
    if (!where) return;
    if (!fresh) {
      const s = tracker.armSeq();
      if (s !== null) armed.set(where, s);
      return;
    }
    const c = tracker.claim(armed.get(where));
    if (!c) return;
    const commit = performance.now();
    performance.clearMarks(MARK_COMMIT);
    performance.mark(MARK_COMMIT, { startTime: commit, detail: { seq: c.seq } });
    claimed.current = { change: c, commit };
  });
  useEffect(() => {
    const cl = claimed.current;
    if (!cl) return;
    claimed.current = null;
    // the sibling panels' canvases draw in the same effect flush; a microtask runs after it
    queueMicrotask(() => {
      const drawn = performance.now();
      performance.clearMarks(MARK_DRAWN);
      performance.mark(MARK_DRAWN, { startTime: drawn, detail: { seq: cl.change.seq } });
      afterPresent(() => record(cl.change, cl.commit, drawn, performance.now(), fileName));
    });
  });
}
