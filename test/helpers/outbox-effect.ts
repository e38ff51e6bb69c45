import type { NewEffect } from '../../src/outbox/types.ts';

/** The `n`th effect of ordering key `key`, of a kind the outbox tests give a handler. */
export const effect = (key: string, n: number, extra: Partial<NewEffect> = {}): NewEffect => ({
  kind: 'test.effect',
  orderingKey: key,
  incidentId: null,
  payload: { n },
  idempotencyKey: `${key}:${n}`,
  ...extra,
});
