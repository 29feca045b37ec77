/**
 * An AttentionMap with an export menu: PNG straight from the map's canvas, SVG as that PNG
 * embedded in an <svg> with the title and the legend (which is SVG already).
 */
import { useRef } from 'react';
import { AttentionMap, type AttentionMapProps } from '../AttentionMap';
import { ExportMenu } from './ExportMenu';
import { canvasPng, fileStem, mapSvg } from './export';

export function MapFigure(props: AttentionMapProps & { fileName: string }) {
  const box = useRef<HTMLDivElement>(null);
  const source = () => {
    const canvas = box.current?.querySelector('canvas');
    if (!canvas) return null;
    const legend = box.current!.querySelector<SVGSVGElement>('svg.legend');
    return { svg: () => mapSvg(canvas, legend, props.panel.title), png: () => canvasPng(canvas) };
  };
  return (
    <div className="map-figure" ref={box}>
      <AttentionMap {...props} />
      <ExportMenu name={`${props.fileName}-${fileStem(props.panel.title)}`} source={source} />
    </div>
  );
}
