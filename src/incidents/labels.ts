import type { ComponentStatus, Incident, Role, Severity, Status } from './types.ts';

/**
 * How the domain's values read to people, in plain words (no markup): the one table every edge
 * (chat, status page, report) renders from, so a status never reads two ways.
 */
export const SEVERITY_LABEL: Record<Severity, string> = { sev1: 'SEV1', sev2: 'SEV2', sev3: 'SEV3', sev4: 'SEV4' };

export const STATUS_LABEL: Record<Status, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export const COMPONENT_STATUS_LABEL: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

export const ROLE_LABEL: Record<Role, string> = { commander: 'Commander', comms: 'Comms lead' };

export const severityLabel = (i: Pick<Incident, 'severity'>): string => SEVERITY_LABEL[i.severity];
export const statusLabel = (i: Pick<Incident, 'status'>): string => STATUS_LABEL[i.status];

/**
 * The same, for a value read back from storage or an outbox payload (a timeline event's data, a
 * notice): whatever it holds reads as itself rather than as "undefined".
 */
const lookup = (table: Record<string, string>, value: unknown): string => {
  const key = String(value ?? '');
  return Object.hasOwn(table, key) ? table[key]! : key;
};
export const severityWord = (value: unknown): string => lookup(SEVERITY_LABEL, value);
export const statusWord = (value: unknown): string => lookup(STATUS_LABEL, value);
export const componentStatusWord = (value: unknown): string => lookup(COMPONENT_STATUS_LABEL, value);
export const roleWord = (value: unknown): string => lookup(ROLE_LABEL, value);
