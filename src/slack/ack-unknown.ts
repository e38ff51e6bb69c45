import type { App } from '@slack/bolt';
import type { Logger } from '../lib/logger.ts';
import type { SlackListeners } from './listener-table.ts';

/**
 * Acks, at once, a button or form the bot has no handler for (e.g. from a message an older version
 * posted), instead of leaving Slack to wait out its 3 seconds and show the person an error.
 */
export function ackUnknown(app: App, known: Pick<SlackListeners, 'handles'>, log: Logger): void {
  app.use(async ({ body, ack, next }) => {
    const b = body as { type?: string; actions?: { action_id?: string }[]; view?: { callback_id?: string } };
    const unknown =
      // Bolt hands a button press to the listener of its first action only.
      (b.type === 'block_actions' && !known.handles('action', String(b.actions?.[0]?.action_id))) ||
      ((b.type === 'view_submission' || b.type === 'view_closed') &&
        !known.handles('view', String(b.view?.callback_id)));
    if (!unknown || !ack) return next();
    log.warn(
      {
        source: 'slack',
        type: b.type,
        action_id: b.actions?.[0]?.action_id?.slice(0, 100),
        callback_id: b.view?.callback_id?.slice(0, 100),
      },
      'acked an interaction the bot has no handler for',
    );
    await ack();
  });
}
