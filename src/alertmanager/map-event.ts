import { createHash } from 'node:crypto';
import type { Settings } from '../config/settings.ts';
import type { Alert, AlertEvent } from '../incidents/alerts.ts';
import { DESCRIPTION_MAX, SEVERITIES, TITLE_MAX, type Severity } from '../incidents/types.ts';
import { ownValue } from '../lib/own-value.ts';
import { withoutSlackMentions } from '../text/public-text.ts';
import { truncateMarked } from '../text/truncate.ts';
import type { AmAlert, AmPayload } from './parse-payload.ts';

/** What people call it, in notices. */
export const SOURCE_NAME = 'Alertmanager';

/** Labels that say where an alert fires, shown in a title when the group is formed by nothing else. */
const WHERE_LABELS = ['service', 'job', 'instance', 'cluster', 'namespace'];
/** Labels a group's title names at most, beside the alert's name. */
const TITLE_LABELS = 3;

/** The incident's severity: the `severity` label's, when it is sev1…sev4 or the settings map it, else the default. */
export function severityOf(labels: Record<string, string>, settings: Settings): Severity {
  const value = ownValue(labels, 'severity')?.trim().toLowerCase();
  if (!value) return settings.default_severity;
  if ((SEVERITIES as readonly string[]).includes(value)) return value as Severity;
  const map = settings.alertmanager.severities;
  const key = Object.keys(map).find((k) => k.toLowerCase() === value);
  return (key && ownValue(map, key)) || settings.default_severity;
}

/** The alert's name (its `alertname` label), else the group's, else a plain word. */
const nameOf = (labels: Record<string, string>, fallback: string) => ownValue(labels, 'alertname')?.trim() || fallback;

/** The summary every alert shares, else the alert's name and the labels that form the group (or say where). */
function titleOf(p: AmPayload, groupName: string): string {
  const summary = ownValue(p.commonAnnotations, 'summary')?.replace(/\s+/g, ' ').trim();
  if (summary) return summary;
  let where = Object.entries(p.groupLabels).filter(([k]) => k !== 'alertname');
  if (where.length === 0)
    where = WHERE_LABELS.flatMap((k) => (ownValue(p.commonLabels, k) ? [[k, p.commonLabels[k]!]] : []));
  const shown = where.slice(0, TITLE_LABELS).map(([k, v]) => `${k}=${v}`);
  return shown.length > 0 ? `${groupName} (${shown.join(', ')})` : groupName;
}

function describe(p: AmPayload): string | null {
  const parts = [
    ownValue(p.commonAnnotations, 'description'),
    `${p.alerts.length + p.truncatedAlerts} ${p.alerts.length + p.truncatedAlerts === 1 ? 'alert' : 'alerts'} ` +
      `from ${SOURCE_NAME}${p.receiver ? ` (receiver ${p.receiver})` : ''}`,
    ownValue(p.commonAnnotations, 'runbook_url') && `Runbook: ${p.commonAnnotations.runbook_url}`,
  ];
  return truncateMarked(parts.filter(Boolean).join('\n'), DESCRIPTION_MAX);
}

/** Only http(s) links are kept; anything else is not a page to open. */
const httpUrl = (url: string | null | undefined) => (url && /^https?:\/\/\S+$/.test(url) ? url : null);

/** Alertmanager's own id of an alert; older versions send none, so the same is derived from its labels. */
function fingerprintOf(a: AmAlert): string {
  if (a.fingerprint) return a.fingerprint;
  const canonical = Object.keys(a.labels)
    .sort()
    .map((k) => [k, a.labels[k]]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 32);
}

const toAlert = (a: AmAlert, groupName: string): Alert => ({
  fingerprint: fingerprintOf(a),
  name: nameOf(a.labels, groupName),
  status: a.status,
  labels: a.labels,
  annotations: a.annotations,
  startsAt: a.startsAt,
  // A firing alert's end is the zero time, year 1: it has not ended.
  endsAt: a.status === 'resolved' && a.endsAt && a.endsAt > 0 ? a.endsAt : null,
  url: httpUrl(a.generatorURL),
});

/**
 * Maps a verified, parsed notification to the domain's alert event. `deliveryId` identifies the
 * notification itself (a hash of its body): Alertmanager retries a failed delivery with the same body.
 */
export function mapAlertmanagerPayload(p: AmPayload, deliveryId: string, settings: Settings): AlertEvent {
  const groupName = nameOf(p.commonLabels, nameOf(p.groupLabels, 'Alert'));
  const title = truncateMarked(titleOf(p, groupName), TITLE_MAX);
  const firing = p.alerts.find((a) => a.status === 'firing');
  return {
    sourceName: SOURCE_NAME,
    deliveryId,
    groupKey: p.groupKey,
    status: p.status,
    labels: p.commonLabels,
    groupLabels: p.groupLabels,
    annotations: p.commonAnnotations,
    alerts: p.alerts.map((a) => toAlert(a, groupName)),
    truncated: p.truncatedAlerts,
    title,
    publicTitle: truncateMarked(withoutSlackMentions(title).replace(/\s+/g, ' ').trim(), TITLE_MAX),
    description: describe(p),
    // The labels all alerts share say it for the group; failing that, the first alert that fires.
    severity: severityOf(ownValue(p.commonLabels, 'severity') ? p.commonLabels : (firing?.labels ?? {}), settings),
    serviceName:
      truncateMarked(ownValue(p.commonLabels, 'service') ?? ownValue(p.commonLabels, 'job') ?? '', 200) || null,
    url: httpUrl(p.externalURL),
  };
}
