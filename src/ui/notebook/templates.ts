/** Starting text for new cells and new notebooks. */
import type { NewCell, Notebook } from '../../notebook';

export type NewKind = 'prose' | 'param' | 'view' | 'code';

function freeName(nb: Notebook, base: string): string {
  const used = new Set(nb.cells.flatMap((c) => (c.type === 'param' || c.type === 'code' ? [c.name] : [])));
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}${i}`)) return `${base}${i}`;
}

export function newCell(kind: NewKind, nb: Notebook): NewCell {
  switch (kind) {
    case 'prose':
      return { type: 'prose', text: 'New text: write Markdown here, with $math$.' };
    case 'param':
      return { type: 'param', name: freeName(nb, 'p'), body: 'kind: slider\nlabel: a new slider\nmin: 0\nmax: 1\nstep: 0.05\nvalue: 0.5\n' };
    case 'view':
      return { type: 'view', kind: 'attention', body: 'op: mhsa\ngrid: 14\nheads: 4\n' };
    case 'code':
      return { type: 'code', name: freeName(nb, 'result'), body: "// the notebook API: run, macs, ops, photo, model, plot, table, map, text (see the README)\nconst r = await run('mhsa', { grid: 14, heads: 4 });\nplot.bar({ title: 'mhsa: MACs and ms', labels: ['MACs (M)', 'ms'], values: [r.macs / 1e6, r.ms] })\n" };
  }
}

export const NEW_NOTEBOOK = `---
title: Untitled notebook
description: A notebook of my own.
image: chelsea
---

# Untitled notebook

Write prose in Markdown (with $\\LaTeX$ math), add params and views with the buttons above.

\`\`\`param heads
kind: slider
min: 1
max: 8
step: 1
value: 4
\`\`\`

\`\`\`view attention
op: mhsa
grid: 14
heads: $heads
\`\`\`
`;
