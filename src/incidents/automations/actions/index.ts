import type { AutomationAction } from './action.ts';
import { announceAction } from './announce.ts';
import { inviteAction } from './invite.ts';
import { noteAction } from './note.ts';
import { escalateAction, pageAction } from './page.ts';
import { runbookAction } from './runbook.ts';
import { severityAction } from './severity.ts';

/** Every action of `do:`, by the key that names it in the settings file. */
export const ACTIONS: Record<string, AutomationAction<never>> = {
  runbook: runbookAction,
  invite: inviteAction,
  severity: severityAction,
  note: noteAction,
  announce: announceAction,
  page: pageAction,
  escalate: escalateAction,
};
