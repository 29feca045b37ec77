/**
 * Figure export: SVG text and PNG blobs from what is on screen, and a download helper.
 *   chartSvg(svg)              a standalone SVG string (computed colours inlined, so CSS variables
 *                              and the page theme survive outside the page; background included)
 *   mapSvg(canvas, legend)     the map canvas as an embedded PNG in an <svg>, the legend SVG below
 *   svgToPng(text, w, h)       rasterise an SVG string (via an <img>, then a canvas), 2× scale
 *   canvasPng(canvas)          PNG blob of a canvas
 *   download(data, name, type) save as a file (an <a download> on an object URL)
 */
const SVG_NS = 'http://www.w3.org/2000/svg';
const STYLE_PROPS = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity', 'font-size', 'font-family', 'font-weight', 'text-anchor', 'dominant-baseline'] as const;

/** Copy the computed paint of every element onto the clone (they match one to one). */
function inlineStyles(src: Element, dst: Element): void {
  const cs = getComputedStyle(src);
  const style = STYLE_PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`).filter((s) => !s.endsWith(':')).join(';');
  if (style) dst.setAttribute('style', style);
  const a = src.children;
  const b = dst.children;
  for (let i = 0; i < a.length && i < b.length; i++) inlineStyles(a[i], b[i]);
}

function pageBackground(): string {
  return getComputedStyle(document.documentElement).getPropertyValue('--bg').trim() || '#ffffff';
}

function sizeOf(svg: SVGSVGElement): { w: number; h: number } {
  const w = Number(svg.getAttribute('width')) || svg.getBoundingClientRect().width || 300;
  const h = Number(svg.getAttribute('height')) || svg.getBoundingClientRect().height || 150;
  return { w, h };
}

export function chartSvg(svg: SVGSVGElement): { text: string; w: number; h: number } {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  inlineStyles(svg, clone);
  const { w, h } = sizeOf(svg);
  clone.setAttribute('xmlns', SVG_NS);
  clone.setAttribute('width', String(w));
  clone.setAttribute('height', String(h));
  const bg = document.createElementNS(SVG_NS, 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', pageBackground());
  clone.insertBefore(bg, clone.firstChild);
  return { text: new XMLSerializer().serializeToString(clone), w, h };
}

export function mapSvg(canvas: HTMLCanvasElement, legend: SVGSVGElement | null, title: string): { text: string; w: number; h: number } {
  const w = canvas.width;
  const mh = canvas.height;
  const leg = legend ? chartSvg(legend) : null;
  const titleH = 20;
  const h = titleH + mh + (leg ? leg.h + 4 : 0);
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const fg = getComputedStyle(document.documentElement).getPropertyValue('--fg').trim() || '#000';
  const legendPart = leg
    ? `<g transform="translate(${Math.max(0, (w - leg.w) / 2)},${titleH + mh + 4})">${leg.text.replace(/^<svg/, '<svg x="0" y="0"')}</g>`
    : '';
  const text =
    `<svg xmlns="${SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    `<rect width="100%" height="100%" fill="${pageBackground()}"/>` +
    `<text x="${w / 2}" y="14" text-anchor="middle" font-family="system-ui, sans-serif" font-size="12" fill="${fg}">${esc(title)}</text>` +
    `<image x="0" y="${titleH}" width="${w}" height="${mh}" href="${canvas.toDataURL('image/png')}" style="image-rendering:pixelated"/>` +
    legendPart +
    `</svg>`;
  return { text, w, h };
}

export function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('The canvas could not be encoded as PNG.'))), 'image/png'));
}

export async function svgToPng(text: string, w: number, h: number, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.decoding = 'sync';
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('The figure could not be drawn as an image.'));
      img.src = url;
    });
    const c = document.createElement('canvas');
    c.width = Math.round(w * scale);
    c.height = Math.round(h * scale);
    const g = c.getContext('2d')!;
    g.scale(scale, scale);
    g.drawImage(img, 0, 0, w, h);
    return await canvasPng(c);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** A file name from a title: letters, digits and dashes. */
export function fileStem(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'figure';
}

export function download(data: Blob | string, name: string, type = 'application/octet-stream'): void {
  const blob = typeof data === 'string' ? new Blob([data], { type }) : data;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
