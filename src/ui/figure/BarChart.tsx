/**
 * A D3 grouped bar chart (one group per label, one bar per series, a legend) with its export menu,
 * drawn like LineChart so the same SVG/PNG export applies.
 */
import { useEffect, useRef } from 'react';
import { axisBottom, axisLeft, format, scaleBand, scaleLinear, schemeTableau10, select } from 'd3';
import { ExportMenu } from './ExportMenu';
import { chartSvg, fileStem } from './export';

export interface BarChartProps {
  title: string;
  x: string;
  y: string;
  labels: string[];
  series: Array<{ name: string; values: number[] }>;
  width?: number;
  height?: number;
  fileName?: string;
}

const M = { top: 28, right: 16, bottom: 76, left: 64 };

export function BarFigure({ title, x, y, labels, series, width = 480, height = 320, fileName }: BarChartProps) {
  const ref = useRef<SVGSVGElement>(null);
  useEffect(() => {
    const svg = select(ref.current!);
    svg.selectAll('*').remove();
    const iw = width - M.left - M.right;
    const ih = height - M.top - M.bottom;
    svg.append('text').attr('class', 'chart-title').attr('x', M.left).attr('y', 16).text(title);
    const vals = series.flatMap((s) => s.values).filter(Number.isFinite);
    if (labels.length === 0 || vals.length === 0) {
      svg.append('text').attr('class', 'chart-empty').attr('x', width / 2).attr('y', height / 2).attr('text-anchor', 'middle').text('no data');
      return;
    }
    const xb = scaleBand().domain(labels.map((l, i) => `${i}`)).range([0, iw]).padding(0.2);
    const inner = scaleBand().domain(series.map((_, i) => `${i}`)).range([0, xb.bandwidth()]).padding(0.08);
    const yl = scaleLinear().domain([Math.min(0, ...vals), Math.max(0, ...vals)]).range([ih, 0]).nice();
    const g = svg.append('g').attr('transform', `translate(${M.left},${M.top})`);
    const xAxis = g.append('g').attr('class', 'axis').attr('transform', `translate(0,${ih})`).call(axisBottom(xb).tickFormat((d) => labels[Number(d)] ?? ''));
    // long labels that would overlap are slanted
    const slanted = Math.max(...labels.map((l) => l.length)) * 6.2 > xb.step();
    if (slanted) xAxis.selectAll('text').attr('text-anchor', 'end').attr('transform', 'rotate(-30)').attr('dx', '-0.4em').attr('dy', '0.5em');
    const big = Math.max(...vals.map(Math.abs)) >= 1000;
    g.append('g').attr('class', 'axis').call(axisLeft(yl).ticks(5).tickFormat((v) => format(big ? '~s' : '~g')(Number(v))));
    g.append('text').attr('class', 'axis-label').attr('x', iw / 2).attr('y', ih + (slanted ? 66 : 36)).attr('text-anchor', 'middle').text(x);
    g.append('text').attr('class', 'axis-label').attr('transform', 'rotate(-90)').attr('x', -ih / 2).attr('y', -50).attr('text-anchor', 'middle').text(y);
    series.forEach((s, si) => {
      const colour = schemeTableau10[si % 10];
      labels.forEach((l, li) => {
        const v = s.values[li];
        if (!Number.isFinite(v)) return;
        g.append('rect')
          .attr('x', (xb(`${li}`) ?? 0) + (inner(`${si}`) ?? 0))
          .attr('y', yl(Math.max(0, v)))
          .attr('width', inner.bandwidth())
          .attr('height', Math.abs(yl(v) - yl(0)))
          .attr('fill', colour)
          .append('title')
          .text(`${s.name} · ${l}: ${format('.4~g')(v)}`);
      });
      if (series.length > 1) {
        const ly = 8 + si * 16;
        g.append('rect').attr('x', iw - 120).attr('y', ly - 8).attr('width', 12).attr('height', 8).attr('fill', colour);
        g.append('text').attr('class', 'chart-legend').attr('x', iw - 102).attr('y', ly).text(s.name);
      }
    });
  }, [title, x, y, labels, series, width, height]);
  return (
    <figure className="chart-figure">
      <svg ref={ref} className="chart" width={width} height={height} role="img" aria-label={title} data-figure="bar" />
      <ExportMenu name={fileName ?? fileStem(title)} source={() => (ref.current ? { svg: () => chartSvg(ref.current!) } : null)} />
    </figure>
  );
}
