/**
 * An AttentionMap with an export menu: PNG straight from the map's canvas, SVG as that PNG
 * embedded in an <svg> with the title and the legend (which is SVG already). It also reports when a
 * new map is on screen, for the slider→map timing (interaction-timing.ts).
 */
import { useRef } from 'react';
import { AttentionMap, type AttentionMapProps } from '../AttentionMap';
import { ExportMenu } from './ExportMenu';
import { canvasPng, fileStem, mapSvg } from './export';
import { noteChange, useMapTiming } from '../interaction-timing';

export function MapFigure(props: AttentionMapProps & { fileName: string }) {
  const box = useRef<HTMLDivElement>(null);
  useMapTiming(box, props.panel, props.fileName);
  const { onPick } = props;
  // a click on the map is a change too: slider→map times it from here
  const pick = onPick
    ? (t: number) => {
        if (t !== props.token) noteChange('token');
        onPick(t);
      }
    : undefined;
  const source = () => {
    const canvas = box.current?.querySelector('canvas');
    if (!canvas) return null;
    const legend = box.current!.querySelector<SVGSVGElement>('svg.legend');
    return { svg: () => mapSvg(canvas, legend, props.panel.title), png: () => canvasPng(canvas) };
  };
  return (
    <div className="map-figure" ref={box}>
      <AttentionMap {...props} onPick={pick} />
      <ExportMenu name={`${props.fileName}-${fileStem(props.panel.title)}`} source={source} />
    </div>
  );
}
