import { useState } from 'preact/hooks';
import { iot, seg } from '../api.js';
import { ErrorBox } from '../ui.js';

export type CertificateStatus = 'ACTIVE' | 'INACTIVE' | 'REVOKED' | 'PENDING_TRANSFER' | 'PENDING_ACTIVATION' | string;

/** Activate / deactivate / revoke (UpdateCertificate). Revoking closes the device's live connections. */
export function CertificateActions({ certificateId, status, onChange }: { certificateId: string; status: CertificateStatus; onChange: () => void }) {
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const set = async (newStatus: string) => {
    if (newStatus === 'REVOKED' && !window.confirm(`Revoke certificate ${certificateId.slice(0, 12)}…? A revoked certificate cannot be activated again.`)) return;
    setBusy(true);
    setError(undefined);
    try {
      await iot('PUT', `/certificates/${seg(certificateId)}`, { query: { newStatus } });
      onChange();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const short = certificateId.slice(0, 12);
  return (
    <span class="actions">
      {status !== 'ACTIVE' && status !== 'REVOKED' && (
        <button type="button" disabled={busy} onClick={() => set('ACTIVE')} aria-label={`Activate certificate ${short}`}>
          Activate
        </button>
      )}
      {status === 'ACTIVE' && (
        <button type="button" disabled={busy} onClick={() => set('INACTIVE')} aria-label={`Deactivate certificate ${short}`}>
          Deactivate
        </button>
      )}
      {status !== 'REVOKED' && (
        <button type="button" class="danger" disabled={busy} onClick={() => set('REVOKED')} aria-label={`Revoke certificate ${short}`}>
          Revoke
        </button>
      )}
      <ErrorBox error={error} />
    </span>
  );
}
