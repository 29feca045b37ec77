/**
 * One map panel over the photo: the photo underneath, the map's H×W cells coloured on top, the
 * clicked token outlined. Click or use the arrow keys to choose another query token.
 */
import { useEffect, useMemo, useRef, type KeyboardEvent, type MouseEvent } from 'react';
import type { MapPanel } from '../ops/types';
import { colorize, scaleFor, type Scale } from './colormap';
import { Legend } from './Legend';

export interface AttentionMapProps {
  panel: MapPanel;
  /** photo RGBA at previewSize² (null: map only) */
  photo: Uint8ClampedArray<ArrayBuffer> | null;
  previewSize: number;
  token: number;
  onPick?(token: number): void;
  size?: number;
  opacity?: number;
  shared?: Scale;
}

export function AttentionMap({ panel, photo, previewSize, token, onPick, size = 240, opacity = 0.7, shared }: AttentionMapProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const scale = useMemo(() => shared ?? scaleFor(panel.values, panel.signed), [panel, shared]);
  const { H, W } = panel;
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const g = c.getContext('2d')!;
    g.clearRect(0, 0, size, size);
    if (photo) {
      const pc = new OffscreenCanvas(previewSize, previewSize);
      pc.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(photo), previewSize, previewSize), 0, 0);
      g.imageSmoothingEnabled = true;
      g.drawImage(pc, 0, 0, size, size);
    }
    const mc = new OffscreenCanvas(W, H);
    mc.getContext('2d')!.putImageData(new ImageData(colorize(panel.values, scale), W, H), 0, 0);
    g.imageSmoothingEnabled = false;
    g.globalAlpha = photo ? opacity : 1;
    g.drawImage(mc, 0, 0, size, size);
    g.globalAlpha = 1;
    const cw = size / W;
    const ch = size / H;
    const tx = token % W;
    const ty = Math.floor(token / W);
    g.lineWidth = 2;
    g.strokeStyle = '#ff2d55';
    g.strokeRect(tx * cw + 1, ty * ch + 1, cw - 2, ch - 2);
  }, [panel, photo, previewSize, token, size, opacity, scale, H, W]);

  const pick = (e: MouseEvent<HTMLCanvasElement>) => {
    if (!onPick) return;
    const r = e.currentTarget.getBoundingClientRect();
    const x = Math.min(W - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * W)));
    const y = Math.min(H - 1, Math.max(0, Math.floor(((e.clientY - r.top) / r.height) * H)));
    onPick(y * W + x);
  };
  const onKey = (e: KeyboardEvent) => {
    if (!onPick) return;
    const x = token % W;
    const y = Math.floor(token / W);
    const moves: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    const nx = Math.min(W - 1, Math.max(0, x + m[0]));
    const ny = Math.min(H - 1, Math.max(0, y + m[1]));
    onPick(ny * W + nx);
  };
  return (
    <figure className="map-panel">
      <canvas
        ref={canvas}
        width={size}
        height={size}
        tabIndex={onPick ? 0 : -1}
        role="img"
        aria-label={`${panel.title}: attention of token (${Math.floor(token / W)}, ${token % W}); click a cell to choose the query token`}
        data-title={panel.title}
        onClick={pick}
        onKeyDown={onKey}
        style={{ width: size, height: size }}
      />
      <figcaption>{panel.title}</figcaption>
      <Legend scale={scale} width={Math.min(size, 240)} />
    </figure>
  );
}
