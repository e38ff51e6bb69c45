import type { NewEffect } from '../outbox/types.ts';
import type { UserRef } from './types.ts';

/**
 * The side effects the domain asks for. They name what should happen to the incident's room
 * (a chat channel), not how: the Slack gateway implements each kind. Payloads stay small because
 * the deliverer renders from the incident as it stands at delivery time.
 */
export const EffectKind = {
  ChannelCreate: 'channel.create',
  ChannelInvite: 'channel.invite',
  ChannelSetTopic: 'channel.set_topic',
  ChannelPostSummary: 'channel.post_summary',
  ChannelPinSummary: 'channel.pin_summary',
} as const;
export type EffectKind = (typeof EffectKind)[keyof typeof EffectKind];

const forIncident = (
  incidentId: number,
  kind: EffectKind,
  discriminator: string,
  payload: Record<string, unknown> = {},
): NewEffect => ({
  kind,
  orderingKey: `incident:${incidentId}`,
  incidentId,
  payload,
  idempotencyKey: `incident:${incidentId}:${kind}:${discriminator}`,
});

/** What opening an incident's room takes, in the order it must happen. */
export function openRoomEffects(incidentId: number, invitees: UserRef[]): NewEffect[] {
  const users = [...new Set(invitees)].sort();
  return [
    forIncident(incidentId, EffectKind.ChannelCreate, 'open'),
    forIncident(incidentId, EffectKind.ChannelInvite, users.join(','), { users }),
    forIncident(incidentId, EffectKind.ChannelSetTopic, 'open'),
    forIncident(incidentId, EffectKind.ChannelPostSummary, 'open'),
    forIncident(incidentId, EffectKind.ChannelPinSummary, 'open'),
  ];
}
