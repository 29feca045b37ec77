/** Colour legend for a map: a gradient bar with a d3 axis, rendered as SVG (exportable). */
import { useEffect, useId, useRef } from 'react';
import { axisBottom, scaleLinear, select } from 'd3';
import type { Scale } from './colormap';

export function Legend({ scale, width = 220, label }: { scale: Scale; width?: number; label?: string }) {
  const ref = useRef<SVGGElement>(null);
  const gid = useId().replace(/:/g, '');
  useEffect(() => {
    if (!ref.current) return;
    const x = scaleLinear().domain([scale.lo, scale.hi]).range([0, width - 20]);
    // d3 picks the precision from the tick step, so narrow ranges still get distinct labels;
    // about one label per 45 px so small panels do not run them together.
    select(ref.current).call(axisBottom(x).ticks(Math.max(2, Math.min(4, Math.floor((width - 20) / 45))), '~g'));
  }, [scale, width]);
  const stops = Array.from({ length: 11 }, (_, i) => i / 10);
  return (
    <svg className="legend" width={width} height={label ? 44 : 34} role="img" aria-label={`colour scale from ${scale.lo.toPrecision(3)} to ${scale.hi.toPrecision(3)}`}>
      <defs>
        <linearGradient id={`g${gid}`}>
          {stops.map((t) => (
            <stop key={t} offset={`${t * 100}%`} stopColor={scale.interpolate(t)} />
          ))}
        </linearGradient>
      </defs>
      <rect x={10} y={2} width={width - 20} height={10} fill={`url(#g${gid})`} />
      <g ref={ref} transform="translate(10,12)" className="legend-axis" />
      {label ? (
        <text x={width / 2} y={42} textAnchor="middle" className="legend-label">
          {label}
        </text>
      ) : null}
    </svg>
  );
}
