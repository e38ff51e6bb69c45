import { severityLabel, statusLabel } from '../incidents/labels.ts';
import type { Incident, RoleAssignment } from '../incidents/types.ts';
import { truncate } from '../text/truncate.ts';
import { SLACK_SOURCE } from '../lib/slack-ids.ts';
import { incidentFactBlocks, incidentFallbackText, roleHolder } from './incident-facts.ts';
import { escapeMrkdwn, mention, slackDate } from './mrkdwn.ts';

const SOURCE_NAME: Record<string, string> = { pagerduty: 'PagerDuty', alert: 'Alertmanager' };

/** Only http(s) links, and none of the characters that end a Slack link early. */
export function safeUrl(url: string | null): string | null {
  if (!url || !/^https?:\/\/[^\s<>|]+$/.test(url) || url.length > 2000) return null;
  return url;
}

/** Slack caps a channel topic at 250 characters. */
export function channelTopic(incident: Incident, roles: RoleAssignment[]): string {
  const head = `${severityLabel(incident)} · ${statusLabel(incident)} · Commander: ${roleHolder(roles, 'commander')} · `;
  const link = safeUrl(incident.externalUrl);
  const tail = link && head.length + link.length + 3 < 250 ? ` · ${link}` : '';
  return head + truncate(escapeMrkdwn(incident.title), 250 - head.length - tail.length) + tail;
}

/** The pinned message that says what this channel is about; re-rendered as the incident changes. */
export function summaryMessage(incident: Incident, roles: RoleAssignment[]) {
  const blocks = incidentFactBlocks(incident, roles);
  if (incident.description) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(incident.description), 3000) },
    });
  }
  const origin =
    incident.source === SLACK_SOURCE
      ? `declared by ${mention(incident.declaredBy)}`
      : `paged via ${SOURCE_NAME[incident.source] ?? escapeMrkdwn(incident.source)}`;
  const link = safeUrl(incident.externalUrl);
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Incident #${incident.id} · ${origin} ${slackDate(incident.declaredAt)}${link ? ` · <${link}|open in ${SOURCE_NAME[incident.source] ?? 'source'}>` : ''}`,
      },
    ],
  });
  const actions = summaryActions(incident);
  if (actions.length > 0) blocks.push({ type: 'actions', block_id: 'incident_actions', elements: actions });
  return { text: incidentFallbackText(incident), blocks };
}

/** The action ids the summary's buttons carry; the same verbs as the slash commands. */
export const ACTION = { ack: 'incident_ack', update: 'incident_update', resolve: 'incident_resolve' } as const;

function summaryActions(incident: Incident): Record<string, unknown>[] {
  if (incident.status === 'resolved') return [];
  const value = String(incident.id);
  const button = (text: string, action_id: string, extra: Record<string, unknown> = {}) => ({
    type: 'button',
    text: { type: 'plain_text', text },
    action_id,
    value,
    ...extra,
  });
  return [
    ...(incident.acknowledgedAt === null ? [button('Acknowledge', ACTION.ack, { style: 'primary' })] : []),
    button('Post update', ACTION.update),
    // Resolving closes the incident for everyone (and in PagerDuty): ask first.
    button('Resolve', ACTION.resolve, {
      style: 'danger',
      confirm: {
        title: { type: 'plain_text', text: 'Resolve this incident?' },
        text: {
          type: 'plain_text',
          text: truncate(`#${incident.id} ${incident.title} will be marked resolved everywhere it is linked.`, 300),
        },
        confirm: { type: 'plain_text', text: 'Resolve' },
        deny: { type: 'plain_text', text: 'Cancel' },
      },
    }),
  ];
}
