import { bold, code, join, say, type Reply } from './reply.ts';
import type { CommandContext, CommandReply, CommandSpec } from './types.ts';

export function helpText(table: Record<string, CommandSpec>): Reply {
  const lines = Object.values(table).map((spec) => say`• ${code(`/incident ${spec.usage}`)} — ${spec.summary}`);
  return join([say`${bold('Incident bot commands')}`, ...lines]);
}

export const help =
  (table: () => Record<string, CommandSpec>) =>
  (_ctx: CommandContext): CommandReply => ({ text: helpText(table()) });
