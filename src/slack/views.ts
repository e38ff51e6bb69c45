import { ErrorCode, UserError } from '../errors.ts';
import { SEVERITIES, STATUSES, type Incident, type Severity, type Status } from '../incidents/types.ts';
import { truncate } from './mrkdwn.ts';

/** Callback ids of our modals; the view_submission handlers are registered under these. */
export const VIEW = { declare: 'incident_declare', update: 'incident_update' } as const;

const option = (value: string, text: string) => ({ text: { type: 'plain_text', text }, value });
const plain = (text: string) => ({ type: 'plain_text', text });
/** A required pick-one input, its labels from a table. */
const select = <T extends string>(blockId: string, label: string, values: readonly T[], labels: Record<T, string>, initial: T) => ({
  type: 'input',
  block_id: blockId,
  label: plain(label),
  element: { type: 'static_select', action_id: 'value', initial_option: option(initial, labels[initial]), options: values.map((v) => option(v, labels[v])) },
});
const SEVERITY_TEXT: Record<Severity, string> = {
  sev1: 'SEV1 — critical, customer-facing outage',
  sev2: 'SEV2 — major, degraded for many',
  sev3: 'SEV3 — minor, degraded for some',
  sev4: 'SEV4 — low, no customer impact yet',
};
const STATUS_TEXT: Record<Status, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export function declareModal(defaultSeverity: Severity, channelId: string) {
  return {
    type: 'modal',
    callback_id: VIEW.declare,
    private_metadata: JSON.stringify({ channel: channelId }),
    title: plain('Declare an incident'),
    submit: plain('Declare'),
    close: plain('Cancel'),
    blocks: [
      { type: 'input', block_id: 'title', label: plain('What is broken?'), element: { type: 'plain_text_input', action_id: 'value', max_length: 150, placeholder: plain('Checkout is down in EU') } },
      select('severity', 'Severity', SEVERITIES, SEVERITY_TEXT, defaultSeverity),
      { type: 'input', block_id: 'description', optional: true, label: plain('What do we know?'), element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 3000 } },
      { type: 'input', block_id: 'commander', optional: true, label: plain('Commander (you, if left empty)'), element: { type: 'users_select', action_id: 'value' } },
    ],
  };
}

export function updateModal(incident: Incident) {
  const current = incident.status === 'resolved' ? 'monitoring' : incident.status;
  return {
    type: 'modal',
    callback_id: VIEW.update,
    private_metadata: JSON.stringify({ incident: incident.id }),
    title: plain('Post an update'),
    submit: plain('Post'),
    close: plain('Cancel'),
    blocks: [
      { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(`Incident #${incident.id}: ${incident.title.replace(/[&<>]/g, ' ')}`, 300) }] },
      select('status', 'Status', STATUSES, STATUS_TEXT, current),
      { type: 'input', block_id: 'message', label: plain('Update'), element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 3000 } },
    ],
  };
}

type ViewState = { values?: Record<string, Record<string, { value?: string | null; selected_option?: { value?: string } | null; selected_user?: string | null }>> };

/** Reads a submitted modal's values by block id; untrusted input, so shapes and values are checked. */
export function viewValues(state: unknown) {
  const values = (state as ViewState | undefined)?.values ?? {};
  const get = (block: string) => values[block]?.value;
  return {
    text: (block: string) => (typeof get(block)?.value === 'string' ? get(block)!.value!.trim() : ''),
    choice: (block: string) => get(block)?.selected_option?.value ?? undefined,
    user: (block: string) => get(block)?.selected_user ?? undefined,
  };
}

export function parseSeverityChoice(value: string | undefined): Severity {
  if (value && (SEVERITIES as readonly string[]).includes(value)) return value as Severity;
  throw new UserError(ErrorCode.BadArgument, 'Pick a severity.');
}

export function parseStatusChoice(value: string | undefined): Status {
  if (value && (STATUSES as readonly string[]).includes(value)) return value as Status;
  throw new UserError(ErrorCode.BadArgument, 'Pick a status.');
}

/** private_metadata is ours, but comes back through the client: parse it defensively. */
export function metadata(raw: unknown): Record<string, unknown> {
  try {
    const parsed = JSON.parse(typeof raw === 'string' ? raw : '{}');
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}
