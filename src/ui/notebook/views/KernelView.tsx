/**
 * `view kernel`: the WGSL source of an op's kernels (`op: hilo`), or of named files
 * (`files: [linear]`). Shown as the templates they are: `{{NAME}}` constants are filled in per run.
 */
import { useEffect, useState } from 'react';
import { findOp } from './op-config';
import { kernelByFile, kernelFileNames, kernelsOfOp, sharedKernelsOfOp, type KernelFile } from './kernels';
import { useConfigDerived } from './useConfigDerived';

function pick(config: Record<string, unknown>): { files: KernelFile[]; op: string | null; title: string } {
  const named = config.files ?? config.file;
  if (named !== undefined) {
    const list = Array.isArray(named) ? named : [named];
    const files = list.map((f) => {
      const k = typeof f === 'string' ? kernelByFile(f) : undefined;
      if (!k) throw new Error(`There is no kernel \`${String(f)}\`; the kernels are ${kernelFileNames().join(', ')}.`);
      return k;
    });
    return { files, op: null, title: files.map((f) => f.file).join(', ') };
  }
  const op = findOp(config.op);
  const files = kernelsOfOp(op.name);
  return { files, op: op.name, title: op.title };
}

function Source({ k, open }: { k: KernelFile; open: boolean }) {
  const lines = k.source.split('\n').length;
  return (
    <details className="kernel" open={open}>
      <summary>
        <code>{k.file}</code> <span className="muted">({lines} lines)</span>
      </summary>
      <pre className="code">
        <code>{k.source}</code>
      </pre>
    </details>
  );
}

export function KernelView({ config }: { config: Record<string, unknown> }) {
  const r = useConfigDerived(config, pick);
  // null until the op's shared kernels are read
  const [shared, setShared] = useState<KernelFile[] | null>(null);
  const op = 'op' in r ? r.op : null;
  useEffect(() => {
    let live = true;
    setShared(op ? null : []);
    if (op) sharedKernelsOfOp(op).then((k) => live && setShared(k), () => live && setShared([]));
    return () => {
      live = false;
    };
  }, [op]);
  if ('error' in r) return <p className="error" role="alert">{r.error}</p>;
  // an op whose kernels are all shared ones (mhsa: the attention core and the tiled Linear) shows those
  const own = r.files.length ? r.files : (shared ?? []);
  const also = r.files.length ? (shared ?? []) : [];
  return (
    <div className="nb-kernel" data-testid="nb-kernel">
      <p className="muted">
        WGSL of {r.title}: {own.length} file{own.length === 1 ? '' : 's'}. <code>{'{{NAME}}'}</code> placeholders are compile-time constants
        filled in for each configuration.
      </p>
      {own.length === 0 && shared !== null ? <p className="warn">This op has no WebGPU kernels yet; it runs on the CPU reference.</p> : null}
      {own.map((k, i) => (
        <Source key={k.file} k={k} open={i === 0} />
      ))}
      {also.length ? (
        <details className="kernel-shared">
          <summary>shared kernels it also runs ({also.map((k) => k.file).join(', ')})</summary>
          {also.map((k) => (
            <Source key={k.file} k={k} open={false} />
          ))}
        </details>
      ) : null}
    </div>
  );
}
