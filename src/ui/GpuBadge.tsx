/** Which GPU the app runs on, its features, or why there is none. */
import { useGpu } from '../state/gpu';

export function GpuBadge() {
  const { status, report, message, notice, tfjsBackend } = useGpu();
  if (status === 'pending') return <div className="gpu-badge pending" role="status" data-testid="gpu-pending">{message || 'Looking for a WebGPU adapter…'}</div>;
  if (status === 'unavailable' || !report) {
    return (
      <div className="gpu-badge unavailable" role="status" data-testid="gpu-status">
        <strong>No WebGPU.</strong> {message}
      </div>
    );
  }
  const name = [report.vendor, report.architecture, report.description].filter(Boolean).join(' · ') || 'unknown adapter';
  const flag = (on: boolean, label: string) => <span className={`flag ${on ? 'on' : 'off'}`}>{label} {on ? '✓' : '✗'}</span>;
  return (
    <div className="gpu-badge ready" role="status" data-testid="gpu-status">
      <strong>WebGPU:</strong> <span data-testid="gpu-name">{name}</span>
      {report.software ? <span className="warn"> (software/fallback adapter: correct but slow; times are not GPU times)</span> : null}
      <span className="flags">
        {flag(report.timestamps, 'timestamps')} {flag(report.f16, 'shader-f16')} {flag(report.subgroups, 'subgroups')}
        <span className="flag">max buffer {report.maxBufferMB} MB</span>
        {tfjsBackend ? <span className="flag">tfjs: {tfjsBackend}</span> : null}
      </span>
      {notice ? (
        <span className="warn" data-testid="gpu-notice">
          {' '}
          {notice}
        </span>
      ) : null}
    </div>
  );
}
