import { NOTE_MAX } from '../../types.ts';
import { fill } from '../template.ts';
import type { AutomationAction } from './action.ts';

/** A note on the timeline, shown under the firing's notice in the channel (escaped there by the chat edge). */
export const noteAction: AutomationAction<string> = {
  done: () => 'added a note',
  would: () => 'would add a note',
  apply(ctx, template) {
    const text = fill(template, ctx.values, NOTE_MAX);
    ctx.change.event({ incidentId: ctx.incident.id, kind: 'note', actor: ctx.actor.id, body: text });
    ctx.notes.push(text);
  },
};
