/** A LineChart with its export menu (SVG serialised with colours inlined; PNG rasterised from it). */
import { useRef } from 'react';
import { LineChart, type LineChartProps } from './LineChart';
import { ExportMenu } from './ExportMenu';
import { chartSvg, fileStem } from './export';

export function ChartFigure(props: LineChartProps & { fileName?: string }) {
  const svg = useRef<SVGSVGElement | null>(null);
  return (
    <figure className="chart-figure">
      <LineChart ref={svg} {...props} />
      <ExportMenu name={props.fileName ?? fileStem(props.title)} source={() => (svg.current ? { svg: () => chartSvg(svg.current!) } : null)} />
    </figure>
  );
}
