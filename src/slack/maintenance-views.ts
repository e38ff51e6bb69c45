import type { Component } from '../incidents/types.ts';
import { truncate } from '../text/truncate.ts';

/** Callback id of the scheduling form; its block ids are the draft's fields, so errors land under them. */
export const MAINTENANCE_VIEW = 'maintenance_schedule';

const plain = (text: string) => ({ type: 'plain_text', text });
const option = (value: string, text: string) => ({ text: plain(text), value });
const textInput = (blockId: string, label: string, hint: string, placeholder: string, multiline = false) => ({
  type: 'input',
  block_id: blockId,
  label: plain(label),
  hint: plain(hint),
  element: {
    type: 'plain_text_input',
    action_id: 'value',
    max_length: multiline ? 2000 : 40,
    multiline,
    placeholder: plain(placeholder),
  },
});

/** The form behind `/incident maintenance schedule`: the same words as the command, one per field. */
export function maintenanceModal(channelId: string, components: Component[], zone: string) {
  return {
    type: 'modal',
    callback_id: MAINTENANCE_VIEW,
    private_metadata: JSON.stringify({ channel: channelId }),
    title: plain('Schedule maintenance'),
    submit: plain('Schedule'),
    close: plain('Cancel'),
    blocks: [
      textInput('start', 'Starts', `A time in ${zone} (or with Z), now, or +30m.`, '2026-12-01T02:00'),
      textInput('end', 'Ends', 'A time, or a length after the start such as 2h or 90m.', '2h'),
      ...(components.length
        ? [
            {
              type: 'input',
              block_id: 'components',
              optional: true,
              label: plain('Components under maintenance'),
              element: {
                type: 'multi_static_select',
                action_id: 'value',
                options: components.slice(0, 100).map((c) => option(c.id, truncate(c.name, 75))),
              },
            },
          ]
        : []),
      textInput(
        'message',
        'What customers read',
        'Shown on the status page as written (no mentions).',
        'Database upgrade. Brief API errors possible.',
        true,
      ),
      {
        type: 'input',
        block_id: 'channel',
        optional: true,
        label: plain('Slack channel'),
        element: {
          type: 'checkboxes',
          action_id: 'value',
          options: [option('channel', 'Open a Slack channel for this window')],
        },
      },
    ],
  };
}
