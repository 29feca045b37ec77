/**
 * A D3 line chart (one line per series, points marked, a legend), drawn into an <svg> that the
 * export menu can serialise. Log scales for quantities that grow by orders of magnitude.
 */
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import { axisBottom, axisLeft, format, line, scaleLinear, scaleLog, schemeTableau10, select } from 'd3';

export interface Series {
  name: string;
  points: Array<{ x: number; y: number; label?: string }>;
}

export interface LineChartProps {
  series: Series[];
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  width?: number;
  height?: number;
  title: string;
  formatY?: (v: number) => string;
  /** x tick labels (default: SI prefixes, which suit token counts but not a 0–1 knob) */
  formatX?: (v: number) => string;
  /** the legend in the top-right corner instead of the top-left (where a falling line starts) */
  legendRight?: boolean;
  /** a fixed x range (linear x only), e.g. a sweep's first to last setting before all are measured */
  xDomain?: [number, number];
  /** a fixed y range (linear y only), e.g. 0–120 for percentages with room for the legend above 100 */
  yDomain?: [number, number];
}

const M = { top: 28, right: 16, bottom: 44, left: 64 };

/** Log axes get every 1-2-5 tick from d3; keep powers of ten (or 1, 2, 5) so labels do not collide. */
function tickValues(ticks: number[], log: boolean): number[] {
  if (!log || ticks.length <= 7) return ticks;
  const lead = (v: number) => Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9));
  const decades = ticks.filter((v) => lead(v) === 1);
  if (decades.length >= 3) return decades;
  return ticks.filter((v) => [1, 2, 5].includes(lead(v)));
}

export const LineChart = forwardRef<SVGSVGElement | null, LineChartProps>(function LineChart(
  { series, xLabel, yLabel, xLog, yLog, width = 520, height = 300, title, formatY, formatX, legendRight, xDomain, yDomain },
  outer,
) {
  const ref = useRef<SVGSVGElement>(null);
  useImperativeHandle(outer, () => ref.current!, []);
  useEffect(() => {
    const svg = select(ref.current!);
    svg.selectAll('*').remove();
    const pts = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!xLog || p.x > 0) && (!yLog || p.y > 0));
    const iw = width - M.left - M.right;
    const ih = height - M.top - M.bottom;
    svg.append('text').attr('class', 'chart-title').attr('x', M.left).attr('y', 16).text(title);
    if (pts.length === 0) {
      svg.append('text').attr('class', 'chart-empty').attr('x', width / 2).attr('y', height / 2).attr('text-anchor', 'middle').text('no data');
      return;
    }
    const ext = (vs: number[]): [number, number] => {
      const lo = Math.min(...vs);
      const hi = Math.max(...vs);
      return lo === hi ? [lo * 0.9 || -1, hi * 1.1 || 1] : [lo, hi];
    };
    const [x0, x1] = xDomain && !xLog && xDomain[0] < xDomain[1] ? xDomain : ext(pts.map((p) => p.x));
    const [y0, y1] = yDomain && !yLog && yDomain[0] < yDomain[1] ? yDomain : ext(pts.map((p) => p.y));
    const x = (xLog ? scaleLog().domain([x0, x1]) : scaleLinear().domain([Math.min(0, x0), x1])).range([0, iw]).nice();
    const y = (yLog ? scaleLog().domain([y0, y1]) : scaleLinear().domain([Math.min(0, y0), y1])).range([ih, 0]).nice();
    const g = svg.append('g').attr('transform', `translate(${M.left},${M.top})`);
    const xa = axisBottom(x).tickValues(tickValues(x.ticks(6), !!xLog)).tickFormat((v) => (formatX ? formatX(Number(v)) : format('~s')(Number(v))));
    g.append('g').attr('class', 'axis').attr('transform', `translate(0,${ih})`).call(xa);
    const ya = axisLeft(y).tickValues(tickValues(y.ticks(5), !!yLog)).tickFormat((v) => (formatY ? formatY(Number(v)) : format('~s')(Number(v))));
    g.append('g').attr('class', 'axis').call(ya);
    g.append('text').attr('class', 'axis-label').attr('x', iw / 2).attr('y', ih + 36).attr('text-anchor', 'middle').text(xLabel);
    g.append('text').attr('class', 'axis-label').attr('transform', 'rotate(-90)').attr('x', -ih / 2).attr('y', -50).attr('text-anchor', 'middle').text(yLabel);
    series.forEach((s, i) => {
      const colour = schemeTableau10[i % 10];
      const ok = s.points.filter((p) => Number.isFinite(p.y) && (!yLog || p.y > 0) && (!xLog || p.x > 0));
      g.append('path')
        .datum(ok)
        .attr('fill', 'none')
        .attr('stroke', colour)
        .attr('stroke-width', 2)
        .attr('d', line<{ x: number; y: number }>().x((p) => x(p.x)).y((p) => y(p.y)));
      g.selectAll(null)
        .data(ok)
        .enter()
        .append('circle')
        .attr('cx', (p) => x(p.x))
        .attr('cy', (p) => y(p.y))
        .attr('r', 3.5)
        .attr('fill', colour)
        .append('title')
        .text((p) => `${s.name}: ${p.label ?? p.x} → ${formatY ? formatY(p.y) : p.y}`);
      const ly = 8 + i * 16;
      const lx = legendRight ? iw - 26 - 7 * Math.max(...series.map((t) => t.name.length)) : 8;
      g.append('rect').attr('x', lx).attr('y', ly - 8).attr('width', 12).attr('height', 3).attr('fill', colour);
      g.append('text').attr('class', 'chart-legend').attr('x', lx + 18).attr('y', ly - 3).text(s.name);
    });
  }, [series, xLabel, yLabel, xLog, yLog, width, height, title, formatY, formatX, legendRight, xDomain?.[0], xDomain?.[1], yDomain?.[0], yDomain?.[1]]);
  return <svg ref={ref} className="chart" width={width} height={height} role="img" aria-label={title} />;
});
