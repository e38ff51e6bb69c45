import type { UserError } from '../lib/errors.ts';
import { ownValue } from '../lib/own-value.ts';

/** How each fixing action the domain names is done in Slack. */
const HOW: Record<string, string> = {
  reopen: '`/incident reopen`',
  note: '`/incident note <what happened>`',
  followup: '`/incident followup <what> [@owner]`',
  impact: '`/incident impact <who, how, how many>`',
  public_name: '`/incident public-name Slow checkout for some customers`',
  hold_both: '`/incident role comms @them --both`',
};

/** A domain's user error as Slack shows it: the domain's words, then the command that would fix it. */
export function domainErrorText(error: UserError): string {
  const how = ownValue(HOW, error.action);
  return how ? `${error.message.replace(/\.$/, '')}: ${how}.` : error.message;
}
