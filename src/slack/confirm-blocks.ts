import type { UserError } from '../lib/errors.ts';
import { ownValue } from '../lib/own-value.ts';
import { COMMS_ACTION } from './comms-views.ts';
import { userErrorText } from './render-reply.ts';

/**
 * Refusals that the person may overcome by confirming: the flag that confirms, and the button's label.
 * The button runs the same command again with the flag, as its clicker (checked again by the domain).
 */
export const CONFIRMS: Record<string, { flag: string; label: string }> = {
  hold_both: { flag: '--both', label: 'I will hold both roles' },
};

/** Slack caps a button's value at 2,000 characters. */
export const VALUE_MAX = 2000;

/** A refusal's blocks: its text, and a button to confirm when the refusal is one a confirmation overcomes. */
export function confirmBlocks(error: UserError, commandText: string): unknown[] | undefined {
  const confirm = ownValue(CONFIRMS, error.action);
  const value = `${commandText.trim()} ${confirm?.flag ?? ''}`;
  if (!confirm || value.length > VALUE_MAX) return undefined;
  return [
    { type: 'section', text: { type: 'mrkdwn', text: userErrorText(error).slice(0, 3000) } },
    {
      type: 'actions',
      block_id: 'confirm_command',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: confirm.label }, action_id: COMMS_ACTION.confirm, value },
      ],
    },
  ];
}
