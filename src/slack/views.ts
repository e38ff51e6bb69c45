import { COMPONENT_STATUS_LABEL, STATUS_LABEL } from '../incidents/labels.ts';
import { ErrorCode, UserError } from '../lib/errors.ts';
import {
  COMPONENT_STATUSES,
  SEVERITIES,
  STATUSES,
  type Component,
  type ComponentStatus,
  type Incident,
  type Severity,
  type Status,
} from '../incidents/types.ts';
import { truncate } from '../text/truncate.ts';
import type { QuotedMessage } from '../commands/types.ts';

/** Callback ids of our modals; the view_submission handlers are registered under these. */
export const VIEW = {
  declare: 'incident_declare',
  update: 'incident_update',
  preview: 'incident_update_preview',
  /** Which open incident a message goes to (the "Add to incident timeline" shortcut outside one). */
  pick: 'incident_pick',
} as const;

const option = (value: string, text: string) => ({ text: { type: 'plain_text', text }, value });
const plain = (text: string) => ({ type: 'plain_text', text });
/** A required pick-one input, its labels from a table. */
const select = <T extends string>(
  blockId: string,
  label: string,
  values: readonly T[],
  labels: Record<T, string>,
  initial: T,
) => ({
  type: 'input',
  block_id: blockId,
  label: plain(label),
  element: {
    type: 'static_select',
    action_id: 'value',
    initial_option: option(initial, labels[initial]),
    options: values.map((v) => option(v, labels[v])),
  },
});
const SEVERITY_TEXT: Record<Severity, string> = {
  sev1: 'SEV1 — critical, customer-facing outage',
  sev2: 'SEV2 — major, degraded for many',
  sev3: 'SEV3 — minor, degraded for some',
  sev4: 'SEV4 — low, no customer impact yet',
};

/** The quoted message rides in the form's private_metadata (3,000 characters at most), so its text is cut short. */
const QUOTE_KEPT = 1500;
/** Slack refuses a view whose `private_metadata` is longer than this. */
const PRIVATE_METADATA_MAX = 3000;

/**
 * The view's metadata with as much of the quoted message as fits: JSON escaping can double a
 * message's length (quotes, newlines) or more (control characters), so the cut is measured encoded.
 */
function metadataWithQuote(quote: QuotedMessage, wrap: (q: QuotedMessage) => object): string {
  let keep = QUOTE_KEPT;
  for (;;) {
    const encoded = JSON.stringify(wrap({ ...quote, text: truncate(quote.text, keep) }));
    if (encoded.length <= PRIVATE_METADATA_MAX || keep === 0) return encoded;
    keep = Math.floor(keep / 2);
  }
}
const DESCRIPTION_MAX = 3000;

/** A message as a Slack quote: every line behind `>`. */
export const quoted = (text: string): string =>
  truncate(
    text
      .split('\n')
      .map((line) => `> ${line}`)
      .join('\n'),
    DESCRIPTION_MAX,
  );

export function declareModal(
  defaultSeverity: Severity,
  channelId: string,
  components: Component[] = [],
  quote?: QuotedMessage,
) {
  return {
    type: 'modal',
    callback_id: VIEW.declare,
    private_metadata: quote
      ? metadataWithQuote(quote, (q) => ({ channel: channelId, quote: q }))
      : JSON.stringify({ channel: channelId }),
    title: plain('Declare an incident'),
    submit: plain('Declare'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: 'title',
        label: plain('What is broken?'),
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          max_length: 150,
          placeholder: plain('Checkout is down in EU'),
        },
      },
      select('severity', 'Severity', SEVERITIES, SEVERITY_TEXT, defaultSeverity),
      {
        type: 'input',
        block_id: 'description',
        optional: true,
        label: plain('What do we know?'),
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          multiline: true,
          max_length: DESCRIPTION_MAX,
          ...(quote ? { initial_value: quoted(quote.text) } : {}),
        },
      },
      {
        type: 'input',
        block_id: 'commander',
        optional: true,
        label: plain('Commander (you, if left empty)'),
        element: { type: 'users_select', action_id: 'value' },
      },
      {
        type: 'input',
        block_id: 'private',
        optional: true,
        label: plain('Visibility'),
        element: {
          type: 'checkboxes',
          action_id: 'value',
          options: [option('private', 'Private: a private channel, shown only to its people (security incidents)')],
        },
      },
      // Which components customers will see affected once the incident is published.
      ...publicBlocks(components).filter((b) => b.block_id !== 'public'),
    ],
  };
}

/** The box that asks for a preview and then the status page. */
const PUBLISH_BLOCK = {
  type: 'input',
  block_id: 'public',
  optional: true,
  label: plain('Status page'),
  element: {
    type: 'checkboxes',
    action_id: 'value',
    options: [option('public', 'Publish to the status page (you will see a preview first)')],
  },
};

/** The public part of the update form: which components, how they are, and whether to publish. */
function publicBlocks(components: Component[]) {
  if (components.length === 0) return [PUBLISH_BLOCK];
  return [
    {
      type: 'input',
      block_id: 'components',
      optional: true,
      label: plain('Affected components'),
      element: {
        type: 'multi_static_select',
        action_id: 'value',
        options: components.slice(0, 100).map((c) => option(c.id, truncate(c.name, 75))),
      },
    },
    {
      ...select('component_status', 'Their status', COMPONENT_STATUSES, COMPONENT_STATUS_LABEL, 'major_outage'),
      optional: true,
    },
    PUBLISH_BLOCK,
  ];
}

export interface UpdateDraft {
  incident: number;
  status: Status;
  body: string;
  components: { id: string; status: ComponentStatus }[];
}

/** Exactly what customers will see, before it goes out. Publishing is the submit button. */
export function previewModal(draft: UpdateDraft, incidentTitle: string, components: Component[]) {
  const names = new Map(components.map((c) => [c.id, c.name]));
  return {
    type: 'modal',
    callback_id: VIEW.preview,
    private_metadata: JSON.stringify(draft),
    title: plain('Preview'),
    submit: plain('Publish'),
    close: plain('Back'),
    blocks: [
      {
        type: 'context',
        elements: [
          {
            type: 'plain_text',
            text: 'Customers will see this on the status page, and it cannot be edited afterwards (only corrected by a later update):',
          },
        ],
      },
      { type: 'header', text: plain(truncate(incidentTitle, 150)) },
      { type: 'section', text: plain(`${STATUS_LABEL[draft.status]} — ${draft.body}`.slice(0, 3000)) },
      ...(draft.components.length > 0
        ? [
            {
              type: 'context',
              elements: [
                {
                  type: 'plain_text',
                  text: truncate(
                    draft.components
                      .map((c) => `${names.get(c.id) ?? c.id}: ${COMPONENT_STATUS_LABEL[c.status]}`)
                      .join(' · '),
                    2000,
                  ),
                },
              ],
            },
          ]
        : []),
    ],
  };
}

export function updateModal(incident: Incident, components: Component[] = []) {
  const current = incident.status === 'resolved' ? 'monitoring' : incident.status;
  return {
    type: 'modal',
    callback_id: VIEW.update,
    private_metadata: JSON.stringify({ incident: incident.id }),
    title: plain('Post an update'),
    submit: plain('Post'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: truncate(`Incident #${incident.id}: ${incident.title.replace(/[&<>]/g, ' ')}`, 300) },
        ],
      },
      select('status', 'Status', STATUSES, STATUS_LABEL, current),
      {
        type: 'input',
        block_id: 'message',
        label: plain('Update'),
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 3000 },
      },
      ...publicBlocks(components),
    ],
  };
}

type ViewState = {
  values?: Record<
    string,
    Record<
      string,
      {
        value?: string | null;
        selected_option?: { value?: string } | null;
        selected_options?: { value?: string }[] | null;
        selected_user?: string | null;
      }
    >
  >;
};

/** Reads a submitted modal's values by block id; untrusted input, so shapes and values are checked. */
export function viewValues(state: unknown) {
  const values = (state as ViewState | undefined)?.values ?? {};
  const get = (block: string) => values[block]?.value;
  return {
    text: (block: string) => (typeof get(block)?.value === 'string' ? get(block)!.value!.trim() : ''),
    choice: (block: string) => get(block)?.selected_option?.value ?? undefined,
    user: (block: string) => get(block)?.selected_user ?? undefined,
    choices: (block: string) =>
      (get(block)?.selected_options ?? []).map((o) => o.value).filter((v): v is string => typeof v === 'string'),
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

export function parseComponentStatusChoice(value: string | undefined): ComponentStatus {
  return value && (COMPONENT_STATUSES as readonly string[]).includes(value)
    ? (value as ComponentStatus)
    : 'major_outage';
}

/** Asks which open incident a message goes to; only those the person may see are offered. */
export function pickIncidentModal(open: Incident[], message: QuotedMessage) {
  const base = { type: 'modal', title: plain('Add to timeline'), close: plain('Cancel') };
  if (open.length === 0) {
    return {
      ...base,
      blocks: [{ type: 'section', text: plain('There is no open incident to add this message to.') }],
    };
  }
  return {
    ...base,
    callback_id: VIEW.pick,
    private_metadata: metadataWithQuote(message, (q) => q),
    submit: plain('Add'),
    blocks: [
      {
        type: 'input',
        block_id: 'incident',
        label: plain('Incident'),
        element: {
          type: 'static_select',
          action_id: 'value',
          options: open.slice(0, 100).map((i) => option(String(i.id), truncate(`#${i.id} ${i.title}`, 75))),
        },
      },
      { type: 'context', elements: [{ type: 'plain_text', text: truncate(quoted(message.text), 2000) }] },
    ],
  };
}
