/**
 * Slider → map bookkeeping (src/ui/interaction-timing.ts): only the latest change is measured, a
 * superseded one is never credited with the newer map, and a map claims a change only in a view
 * that re-rendered for it. Plus the op/grid read from a map figure's file name.
 */
import { describe, expect, it } from 'vitest';
import { ChangeTracker, parseMapName } from '../../src/ui/interaction-timing';

function clock() {
  let t = 0;
  return { now: () => t, at: (x: number) => (t = x) };
}

describe('ChangeTracker', () => {
  it('a view armed for the latest change claims it with its next map, once', () => {
    const c = clock();
    const tr = new ChangeTracker(c.now);
    c.at(10);
    tr.change('alpha');
    const armed = tr.armSeq()!; // the view re-rendered with its old map
    c.at(40);
    const got = tr.claim(armed);
    expect(got).toEqual({ seq: 1, t0: 10, source: 'alpha' });
    // the other panels of the same commit, or a later map, find nothing pending
    expect(tr.claim(armed)).toBeNull();
  });

  it('a change superseded while dragging is dropped; the map is measured from the latest change', () => {
    const c = clock();
    const tr = new ChangeTracker(c.now);
    c.at(0);
    tr.change('alpha');
    const armedFirst = tr.armSeq()!;
    c.at(5);
    tr.change('alpha'); // the next value before the first one's map arrived
    // armed for the first change only: its map (if a view still delivered it) claims nothing
    expect(tr.claim(armedFirst)).toBeNull();
    const armedSecond = tr.armSeq()!;
    const got = tr.claim(armedSecond)!;
    expect(got.t0).toBe(5);
    expect(got.seq).toBe(2);
  });

  it('a view that did not re-render for the change (not armed) cannot claim it', () => {
    const tr = new ChangeTracker(() => 0);
    tr.change('theta');
    expect(tr.claim(undefined)).toBeNull();
    // still pending for the view that depends on it
    expect(tr.armSeq()).toBe(1);
  });

  it('nothing pending: nothing to arm or claim', () => {
    const tr = new ChangeTracker(() => 0);
    expect(tr.armSeq()).toBeNull();
    expect(tr.claim(1)).toBeNull();
    expect(tr.latestSeq()).toBe(0);
  });
});

describe('parseMapName', () => {
  it('reads op and grid from the map figures\' file names', () => {
    expect(parseMapName('mhsa-14x14-token105')).toEqual({ op: 'mhsa', grid: 14 });
    expect(parseMapName('gla2d-56x56-token1568')).toEqual({ op: 'gla2d', grid: 56 });
  });
  it('anything else: the name as op, no grid', () => {
    const r = parseMapName('overlay');
    expect(r.op).toBe('overlay');
    expect(r.grid).toBeNaN();
  });
});
