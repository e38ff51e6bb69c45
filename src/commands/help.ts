import type { CommandContext, CommandReply, CommandSpec } from './types.ts';

export function helpText(table: Record<string, CommandSpec>): string {
  const lines = Object.entries(table).map(([, spec]) => `• \`/incident ${spec.usage}\` — ${spec.summary}`);
  return ['*Incident bot commands*', ...lines].join('\n');
}

export const help =
  (table: () => Record<string, CommandSpec>) =>
  (_ctx: CommandContext): CommandReply => ({ text: helpText(table()) });
