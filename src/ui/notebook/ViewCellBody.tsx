/** A view cell's output: resolve its `$name`s with the values it was last told to run with, then draw by kind. */
import { useMemo } from 'react';
import { resolveView, type ViewCell } from '../../notebook';
import { useNotebook } from './store';
import { AttentionView } from './views/AttentionView';
import { FlopsView } from './views/FlopsView';
import { LatencyView } from './views/LatencyView';
import { KernelView } from './views/KernelView';
import { TableView } from './views/TableView';
import { CompareView } from './views/CompareView';
import { ClassifyView } from './views/ClassifyView';
import { CompareModelsView } from './views/CompareModelsView';
import { NetworkView } from './views/NetworkView';
import { AblateView } from './views/AblateView';
import { AlphaSweepView } from './views/AlphaSweepView';

export function ViewCellBody({ cell }: { cell: ViewCell }) {
  const graph = useNotebook((s) => s.graph);
  const run = useNotebook((s) => s.runs[cell.id]);
  // the current values matter only for a view that was never told to run
  const values = useNotebook((s) => (s.runs[cell.id] ? null : s.values));
  const resolved = useMemo(() => resolveView(graph, cell.id, run?.values ?? values ?? {}), [graph, cell.id, run, values]);
  if (!resolved.ok) return <p className="cell-message" role="note">{resolved.message}</p>;
  const nonce = run?.nonce ?? 0;
  const config = resolved.config;
  switch (resolved.view) {
    case 'attention':
      return <AttentionView cell={cell} config={config} nonce={nonce} />;
    case 'flops':
      return <FlopsView config={config} />;
    case 'latency':
      return <LatencyView cellId={cell.id} config={config} nonce={nonce} />;
    case 'kernel':
      return <KernelView config={config} />;
    case 'table':
      return <TableView config={config} />;
    case 'compare':
      return <CompareView cell={cell} config={config} nonce={nonce} />;
    case 'classify':
      return <ClassifyView config={config} />;
    case 'compare-models':
      return <CompareModelsView config={config} nonce={nonce} />;
    case 'network':
      return <NetworkView config={config} />;
    case 'ablate':
      return <AblateView config={config} />;
    case 'alpha-sweep':
      return <AlphaSweepView config={config} nonce={nonce} />;
    default:
      return (
        <p className="cell-message" role="note">
          The <code>{resolved.view}</code> view is not available in this version of the app yet; the cell is kept as written.
        </p>
      );
  }
}
