/** The notebooks that ship with the app: every notebooks/*.md, bundled as text at build time. */
import { parseNotebook } from '../../notebook';

const files = import.meta.glob('/notebooks/*.md', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export interface ShippedNotebook {
  /** file stem, the `nb=` of links */
  name: string;
  text: string;
  title: string;
  description: string;
}

export const SHIPPED: ShippedNotebook[] = Object.entries(files)
  .map(([path, text]) => {
    const name = path.replace(/^.*\//, '').replace(/\.md$/, '');
    const meta = parseNotebook(text).meta;
    return { name, text, title: meta.title ?? name, description: meta.description ?? '' };
  })
  .sort((a, b) => a.name.localeCompare(b.name));

export function shippedNotebook(name: string): ShippedNotebook | undefined {
  return SHIPPED.find((n) => n.name === name);
}
