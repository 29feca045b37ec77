/** Top-k classes as a horizontal bar chart (plain SVG, exportable), probability = softmax of the logits. */
import { useRef } from 'react';
import type { ClassScore } from '../../models/classify';
import { ExportMenu } from '../figure/ExportMenu';
import { chartSvg } from '../figure/export';

const W = 560;
const ROW = 30;
const LABEL_W = 230;
const PCT_W = 64;

function pct(p: number): string {
  const v = 100 * p;
  return `${v >= 10 ? v.toFixed(1) : v >= 0.01 ? v.toPrecision(2) : v.toExponential(1)} %`;
}

export function TopKChart({ top, title, fileName }: { top: ClassScore[]; title: string; fileName: string }) {
  const svg = useRef<SVGSVGElement | null>(null);
  const barMax = W - LABEL_W - PCT_W - 8;
  const H = top.length * ROW + 26;
  return (
    <figure className="topk-figure">
      <svg ref={svg} width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} data-testid="topk-chart" className="topk-chart">
        <text x={0} y={14} className="topk-title">
          {title}
        </text>
        {top.map((t, i) => {
          const y = 24 + i * ROW;
          const name = t.label.length > 30 ? `${t.label.slice(0, 29)}…` : t.label;
          return (
            <g key={t.index} data-class={t.index}>
              <title>{`#${t.index} ${t.label}: p = ${t.p.toPrecision(4)}, logit ${t.logit.toFixed(3)}`}</title>
              <text x={LABEL_W - 8} y={y + ROW / 2} className="topk-label" textAnchor="end" dominantBaseline="middle">
                {name}
              </text>
              <rect x={LABEL_W} y={y + 5} width={barMax} height={ROW - 10} className="topk-track" rx={3} />
              <rect x={LABEL_W} y={y + 5} width={Math.max(1, barMax * t.p)} height={ROW - 10} className={`topk-bar ${i === 0 ? 'first' : ''}`} rx={3} />
              <text x={W - PCT_W + 4} y={y + ROW / 2} className="topk-pct" dominantBaseline="middle">
                {pct(t.p)}
              </text>
            </g>
          );
        })}
      </svg>
      <ExportMenu name={fileName} source={() => (svg.current ? { svg: () => chartSvg(svg.current!) } : null)} />
    </figure>
  );
}
