import type { App } from '@slack/bolt';
import { runCommand } from '../commands/index.ts';
import type { CommandServices } from '../commands/types.ts';
import { isUserError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** Wires `/incident` to the verb table: every reply is an ack, so Slack's 3-second limit is kept. */
export function registerCommands(app: App, services: CommandServices, log: Logger): void {
  app.command('/incident', async ({ command, ack }) => {
    const reqLog = log.child({
      source: 'slack',
      request_id: command.trigger_id,
      user_id: command.user_id,
      channel_id: command.channel_id,
    });
    try {
      const reply = await runCommand(command.text ?? '', {
        userId: command.user_id,
        channelId: command.channel_id,
        triggerId: command.trigger_id,
        services,
        log: reqLog,
      });
      await ack({
        response_type: reply.inChannel ? 'in_channel' : 'ephemeral',
        text: reply.text,
        ...(reply.blocks ? { blocks: reply.blocks } : {}),
      });
    } catch (error) {
      if (isUserError(error)) {
        reqLog.info({ code: error.code }, 'command refused');
        await ack({ response_type: 'ephemeral', text: error.message });
        return;
      }
      reqLog.error({ err: error, text_length: command.text?.length }, 'command failed');
      await ack({
        response_type: 'ephemeral',
        text: `Something went wrong on the bot's side and nothing was changed. It is logged under request id \`${command.trigger_id}\`; try again, or tell whoever runs the bot.`,
      });
    }
  });
}
