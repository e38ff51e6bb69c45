import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackListeners } from './listener-table.ts';
import { z } from 'zod';
import { EffectKind } from '../incidents/effect-kinds.ts';
import type { EffectHandler } from '../outbox/worker.ts';
import { classifySlackError } from './classify-error.ts';
import { HOME_ACTION, homeView } from './home-view.ts';
import { actorPort, formOpener, type SlackEdgeDeps } from './register-commands.ts';

const homeOpened = z.object({ user: z.string().max(32), tab: z.string().max(32).optional() });

/** Draws a person's Home tab from the open incidents they may see, as they are now. */
async function publishHome(deps: Pick<SlackEdgeDeps, 'services' | 'client' | 'actorFor' | 'now'>, user: string) {
  const { incidents } = deps.services;
  const open = incidents.listOpenFor(await actorPort(deps, user)());
  const view = homeView(open, (id) => incidents.roles(id), deps.now());
  await deps.client.views.publish({ user_id: user, view: view as never });
}

/**
 * The Home tab: drawn when a person opens it (who did is remembered, so later changes redraw it
 * through the outbox), with a button that opens the declare form.
 */
export function registerHome(app: SlackListeners, deps: SlackEdgeDeps): void {
  app.event('app_home_opened', async ({ event }) => {
    const parsed = homeOpened.safeParse(event);
    // The Messages and About tabs open the same event; only the Home tab is ours to draw.
    if (!parsed.success || (parsed.data.tab ?? 'home') !== 'home') return;
    deps.services.incidents.overviewOpened(parsed.data.user);
    try {
      await publishHome(deps, parsed.data.user);
    } catch (error) {
      deps.log.warn({ source: 'slack', err: error, user_id: parsed.data.user }, 'home tab not published');
    }
  });

  app.action<BlockAction<ButtonAction>>(HOME_ACTION.declare, async ({ ack, body }) => {
    await ack();
    await formOpener(deps, body.trigger_id)({ kind: 'declare', channelId: '' });
  });
}

/** The outbox's redraw of one person's Home tab; its own lane, so views.publish's rate limit holds up nothing else. */
export function homeEffectHandlers(
  deps: Pick<SlackEdgeDeps, 'services' | 'client' | 'actorFor' | 'now'>,
): Record<string, EffectHandler> {
  return {
    [EffectKind.OverviewRefresh]: {
      lane: 'slack:views.publish',
      classify: classifySlackError,
      async deliver(row) {
        await publishHome(deps, String(row.payload.user));
        return {};
      },
    },
  };
}
