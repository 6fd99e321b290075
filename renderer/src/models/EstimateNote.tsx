import type { EstimateModelResponse } from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { formatBytes } from '../shared/format.js';

const parameters = (n: bigint): string => {
  const v = Number(n);
  if (v === 0) return '';
  return v >= 1e9 ? `${(v / 1e9).toFixed(1)} B parameters` : `${(v / 1e6).toFixed(0)} M parameters`;
};

/** The memory a model would take, read before loading it, against what is free now. */
export function EstimateNote({ estimate, name }: { readonly estimate: EstimateModelResponse; readonly name: string }) {
  const about = [estimate.architecture, parameters(estimate.parameters)].filter((s) => s !== '').join(' · ');
  return (
    <div className="estimate" aria-label={`Memory estimate for ${name}`} role="group">
      <p>
        Memory before loading: model {formatBytes(estimate.modelRamBytes)} + context {formatBytes(estimate.contextRamBytes)} (
        {estimate.contextTokens.toLocaleString()} tokens) = <strong>{formatBytes(estimate.totalRamBytes)}</strong>, with{' '}
        {formatBytes(estimate.systemFreeBytes)} free now.
      </p>
      {about === '' ? null : <p className="meta">{about}</p>}
      {estimate.fits ? (
        <p className="ok">Fits in the memory free now.</p>
      ) : (
        <p className="error" role="alert">
          Does not fit: {name} needs {formatBytes(estimate.totalRamBytes)} and only {formatBytes(estimate.systemFreeBytes)} is free. Loading
          it may fail or make the machine swap; close other programs or choose a smaller model.
        </p>
      )}
    </div>
  );
}
