import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FakeUser } from '../../src/sandbox/fake-slack/state.ts';
import { ALICE, BOB, CAROL, useBot, eventually, type Harness } from '../helpers/test-bot.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 424242);
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);

const DAN: FakeUser = { id: 'U0DAN0001', name: 'dan', email: 'dan@example.com' };
const USERS = [ALICE.id, BOB.id, CAROL.id, DAN.id];
const ONCALL = 'S0ONCALL'; // Carol
const ADMINS = 'S0ADMINS'; // Dan

const SETTINGS = [
  'permissions:',
  `  resolve: [commander, ${ONCALL}]`,
  '  severity: [commander, comms]',
  `  admins: [${ADMINS}]`,
  'status_page:',
  '  publish: [commander, comms]',
  '',
].join('\n');

type Role = 'commander' | 'comms';
interface Model {
  commander: string | null;
  comms: string | null;
  resolved: boolean;
  severity: string;
  published: number;
}
type Op =
  | { kind: 'role'; role: Role; to: string }
  | { kind: 'resolve' }
  | { kind: 'reopen' }
  | { kind: 'sev'; level: number }
  | { kind: 'publish' };

/**
 * The oracle: the settings above read as a table, independently of the bot's code. Alice declares
 * every incident (so she is its declarer and first commander); Carol is on call, Dan is an admin.
 */
const is = (m: Model, user: string) => ({
  commander: m.commander === user,
  comms: m.comms === user,
  declarer: user === ALICE.id,
  oncall: user === CAROL.id,
  admin: user === DAN.id,
});
const TABLE: Record<'resolve' | 'reopen' | 'severity' | 'publish' | Role, (w: ReturnType<typeof is>) => boolean> = {
  resolve: (w) => w.commander || w.oncall,
  reopen: (w) => w.commander || w.oncall, // defaults to resolve's principals
  severity: (w) => w.commander || w.comms,
  publish: (w) => w.commander || w.comms,
  commander: (w) => w.commander || w.declarer || w.admin,
  comms: (w) => w.commander || w.comms || w.admin,
};

/** What the oracle expects: refused (by permission), no change (allowed but pointless), or the new model. */
function expected(m: Model, user: string, op: Op): 'forbidden' | 'unchanged' | Model {
  const who = is(m, user);
  switch (op.kind) {
    case 'role': {
      const vacantClaim = m[op.role] === null && op.to === user;
      if (!vacantClaim && !TABLE[op.role](who)) return 'forbidden';
      if (m[op.role] === op.to) return 'unchanged';
      // The two roles are kept apart: comms to the commander is refused (unless confirmed with --both);
      // the comms lead made commander leaves comms vacant here (no rotation is configured).
      if (op.role === 'comms' && op.to === m.commander) return 'unchanged';
      if (op.role === 'commander' && op.to === m.comms) return { ...m, commander: op.to, comms: null };
      return { ...m, [op.role]: op.to };
    }
    case 'resolve':
      if (!TABLE.resolve(who)) return 'forbidden';
      return m.resolved ? 'unchanged' : { ...m, resolved: true };
    case 'reopen':
      if (!TABLE.reopen(who)) return 'forbidden';
      return m.resolved ? { ...m, resolved: false } : 'unchanged';
    case 'sev': {
      if (!TABLE.severity(who)) return 'forbidden';
      const severity = `sev${op.level}`;
      return m.severity === severity ? 'unchanged' : { ...m, severity };
    }
    case 'publish':
      if (!TABLE.publish(who)) return 'forbidden';
      return m.resolved ? 'unchanged' : { ...m, published: m.published + 1 };
  }
}

const commandFor = (op: Op): string =>
  ({
    role: () => `role ${(op as { role: Role }).role} <@${(op as { to: string }).to}>`,
    resolve: () => 'resolve',
    reopen: () => 'reopen',
    sev: () => `sev ${(op as { level: number }).level}`,
    publish: () => 'update identified Still looking --public',
  })[op.kind]();

/** The incident as the bot holds it, in the oracle's terms. */
function actual(h: Harness, id: number): Model {
  const { incidents } = h.bot.app;
  const incident = incidents.get(id)!;
  const holder = (role: Role) => incidents.roles(id).find((r) => r.role === role)?.userId ?? null;
  return {
    commander: holder('commander'),
    comms: holder('comms'),
    resolved: incident.status === 'resolved',
    severity: incident.severity,
    published: incidents.updates(id).filter((u) => u.public && u.status !== 'resolved').length,
  };
}

const user = fc.constantFrom(...USERS);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('role' as const), role: fc.constantFrom<Role>('commander', 'comms'), to: user }),
  fc.constant({ kind: 'resolve' as const }),
  fc.constant({ kind: 'reopen' as const }),
  fc.record({ kind: fc.constant('sev' as const), level: fc.integer({ min: 1, max: 4 }) }),
  fc.constant({ kind: 'publish' as const }),
);

describe('who may change an incident (property-based, seeded, against an oracle of the permission table)', () => {
  const h = useBot({ scope: 'all', users: [ALICE, BOB, CAROL, DAN], settings: SETTINGS });

  it('changes nothing for someone the table does not allow, and does what it allows', async () => {
    h.slack.ws.userGroups.set(ONCALL, [CAROL.id]);
    h.slack.ws.userGroups.set(ADMINS, [DAN.id]);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(user, op), { minLength: 1, maxLength: 12 }), async (steps) => {
        const res = await h.bot.command(`declare Fuzzed roles ${++n} sev3`, { user: ALICE.id });
        const id = Number(/#(\d+)/.exec((res.body as { text: string }).text)![1]);
        const channel = await eventually(
          () => h.bot.app.incidents.get(id)?.channelId ?? undefined,
          10_000,
          `incident ${id} channel`,
        );
        let model: Model = { commander: ALICE.id, comms: null, resolved: false, severity: 'sev3', published: 0 };
        expect(actual(h, id)).toEqual(model);
        for (const [who, step] of steps) {
          const reply = await h.bot.command(commandFor(step), { user: who, channel });
          const text = (reply.body as { text: string }).text;
          const want = expected(model, who, step);
          const context = { who, step, text, model };
          if (want === 'forbidden') {
            expect(text, JSON.stringify(context)).toMatch(/^Only .+ may .+\.$/);
          } else {
            expect(text, JSON.stringify(context)).not.toMatch(/^Only /);
            if (want !== 'unchanged') model = want;
          }
          expect(actual(h, id), JSON.stringify(context)).toEqual(model);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
