import type { Incident, Severity, Status } from './types.ts';

/** How people read a severity and a status, wherever they are shown. */
const SEVERITY_LABEL: Record<Severity, string> = { sev1: 'SEV1', sev2: 'SEV2', sev3: 'SEV3', sev4: 'SEV4' };
const STATUS_LABEL: Record<Status, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export const severityLabel = (i: Pick<Incident, 'severity'>): string => SEVERITY_LABEL[i.severity];
export const statusLabel = (i: Pick<Incident, 'status'>): string => STATUS_LABEL[i.status];
