import { afterEach, describe, expect, it } from 'vitest';
import type { IncidentAction, Actor } from '../../src/incidents/permissions.ts';
import {
  ADMIN,
  ADMINS_GROUP,
  ALICE,
  BOB,
  CAROL,
  DAVE,
  Domain,
  ONCALL_GROUP,
  actor,
  type DomainOptions,
} from './domain-harness.ts';

let d: Domain;
afterEach(() => d?.close());

const TARGET = 'UTARGET1';
const NAMES = { user: (id: string) => `@${id}`, group: (id: string) => `members of ${id}` };

/**
 * Incident #1: declared by DAVE, ALICE commander, BOB comms lead (from the rotation). Admins are
 * ADMIN and the members of ADMINS_GROUP.
 */
function incident(settings: Record<string, unknown> = {}, opts: DomainOptions = {}): number {
  const { permissions, ...rest } = settings as { permissions?: Record<string, unknown> };
  d = new Domain({
    principalNames: NAMES,
    ...opts,
    settings: { comms: { rotation: [BOB] }, ...rest, permissions: { admins: [ADMIN, ADMINS_GROUP], ...permissions } },
  });
  return d.declare(DAVE, { commander: ALICE }).id;
}

/** How each governed action is asked for, through the service; `prepare` puts the incident where it makes sense. */
const ACTIONS: Record<IncidentAction, { prepare?: (id: number) => void; act: (id: number, a: Actor) => unknown }> = {
  resolve: { act: (id, a) => d.service.resolve(id, a, null) },
  reopen: { prepare: (id) => d.service.resolve(id, actor(ALICE), null), act: (id, a) => d.service.reopen(id, a) },
  severity: { act: (id, a) => d.service.setSeverity(id, 'sev1', a) },
  publish: { act: (id, a) => d.service.postUpdate(id, 'identified', 'We found it.', a, { public: true }) },
  postmortem_force: { act: (id, a) => d.service.requestPostmortem(id, a, true) },
  role_commander: { act: (id, a) => d.service.handOff(id, 'commander', TARGET, a) },
  role_comms: { act: (id, a) => d.service.handOff(id, 'comms', TARGET, a) },
  page: { act: (id, a) => d.service.pageFromIncident(id, { kind: 'service', id: 'PSVC001' }, 'Help', a) },
  automations: { act: (id, a) => d.service.setAutomations(id, false, a) },
};

const PEOPLE: Record<string, Actor> = {
  'the commander': actor(ALICE),
  'the comms lead': actor(BOB),
  'the declarer': actor(DAVE),
  'an admin by name': actor(ADMIN),
  'a member of the admins group': actor(CAROL, [ADMINS_GROUP]),
  'anyone else': actor(CAROL),
};

/** The defaults of the settings file, person by person. */
const DEFAULTS: Record<IncidentAction, string[]> = {
  resolve: Object.keys(PEOPLE),
  reopen: Object.keys(PEOPLE),
  severity: Object.keys(PEOPLE),
  publish: ['the commander', 'the comms lead'],
  postmortem_force: ['the commander', 'the declarer', 'an admin by name', 'a member of the admins group'],
  role_commander: ['the commander', 'the declarer', 'an admin by name', 'a member of the admins group'],
  role_comms: ['the commander', 'the comms lead', 'an admin by name', 'a member of the admins group'],
  page: Object.keys(PEOPLE),
  automations: ['the commander', 'the declarer', 'an admin by name', 'a member of the admins group'],
};

const cases = Object.entries(DEFAULTS).flatMap(([action, allowed]) =>
  Object.keys(PEOPLE).map((who) => [action as IncidentAction, who, allowed.includes(who)] as const),
);

describe('who may do what, by default', () => {
  it.each(cases)('%s by %s: allowed is %s', (action, who, allowed) => {
    const id = incident();
    ACTIONS[action].prepare?.(id);
    if (allowed) {
      const before = d.counts().events;
      ACTIONS[action].act(id, PEOPLE[who]!);
      expect(d.counts().events).toBeGreaterThan(before);
    } else {
      d.refused(() => ACTIONS[action].act(id, PEOPLE[who]!), 'forbidden');
    }
  });
});

describe('who may do what, as configured', () => {
  const CONFIGURED = {
    permissions: {
      resolve: [ONCALL_GROUP],
      reopen: ['admins'],
      severity: [CAROL],
      postmortem_force: ['anyone'],
      role: { commander: ['admins'], comms: ['comms'] },
    },
    status_page: { publish: ['declarer'] },
  };

  it('lets a member of a named group resolve, and refuses the commander who is not one', () => {
    const id = incident(CONFIGURED);
    d.refused(() => d.service.resolve(id, actor(ALICE), null), 'forbidden');
    d.service.resolve(id, actor(DAVE, [ONCALL_GROUP]), null);
    expect(d.incident(id).status).toBe('resolved');
  });

  it('takes reopen from its own rule when one is given, not from resolve', () => {
    const id = incident(CONFIGURED);
    d.service.resolve(id, actor(DAVE, [ONCALL_GROUP]), null);
    d.refused(() => d.service.reopen(id, actor(DAVE, [ONCALL_GROUP])), 'forbidden');
    d.service.reopen(id, actor(ADMIN));
    expect(d.incident(id).status).toBe('investigating');
  });

  it('takes reopen from resolve when no rule of its own is given', () => {
    const id = incident({ permissions: { resolve: ['commander'] } });
    d.service.resolve(id, actor(ALICE), null);
    const error = d.refused(() => d.service.reopen(id, actor(DAVE)), 'forbidden');
    expect(error.message).toBe(`Only the commander may reopen incident #${id}.`);
  });

  it('lets a user named by id change the severity, and nobody else', () => {
    const id = incident(CONFIGURED);
    d.refused(() => d.service.setSeverity(id, 'sev1', actor(ALICE)), 'forbidden');
    d.service.setSeverity(id, 'sev1', actor(CAROL));
    expect(d.incident(id).severity).toBe('sev1');
  });

  it('lets the declarer publish when the status page settings say so, and not the comms lead', () => {
    const id = incident(CONFIGURED);
    d.refused(() => d.service.postUpdate(id, 'identified', 'x', actor(BOB), { public: true }), 'forbidden');
    d.service.postUpdate(id, 'identified', 'x', actor(DAVE), { public: true });
    expect(d.incident(id).publicAt).not.toBeNull();
  });

  it('lets anyone force the report when the rule says anyone', () => {
    const id = incident(CONFIGURED);
    d.service.requestPostmortem(id, actor('UNOBODY1'), true);
    expect(d.effects(id).at(-1)).toMatchObject({ kind: 'postmortem.publish', payload: { force: true } });
  });

  it('checks the roles as they stand now: a commander who handed the role on may no longer give it', () => {
    const id = incident();
    d.service.handOff(id, 'commander', BOB, actor(ALICE));
    d.refused(() => d.service.handOff(id, 'commander', ALICE, actor(ALICE)), 'forbidden');
    d.service.handOff(id, 'commander', CAROL, actor(BOB));
    expect(d.roleOf(id, 'commander')).toBe(CAROL);
  });
});

describe('a vacant role', () => {
  it('may be claimed by anyone for themselves, whatever the rule says', () => {
    const id = incident({ comms: { rotation: [] }, permissions: { role: { comms: [ADMIN] } } });
    expect(d.roleOf(id, 'comms')).toBeNull();
    d.service.handOff(id, 'comms', CAROL, actor(CAROL));
    expect(d.roleOf(id, 'comms')).toBe(CAROL);
  });

  it('may not be handed to someone else by those the rule does not name', () => {
    const id = incident({ comms: { rotation: [] }, permissions: { role: { comms: [ADMIN] } } });
    d.refused(() => d.service.handOff(id, 'comms', DAVE, actor(CAROL)), 'forbidden');
    d.service.handOff(id, 'comms', DAVE, actor(ADMIN));
    expect(d.roleOf(id, 'comms')).toBe(DAVE);
  });

  it('once held, may not be taken over by claiming it', () => {
    const id = incident();
    d.refused(() => d.service.handOff(id, 'comms', CAROL, actor(CAROL)), 'forbidden');
    expect(d.roleOf(id, 'comms')).toBe(BOB);
  });
});

describe('a refusal', () => {
  it('names who may, with roles in words and admins as the edge names them', () => {
    const id = incident();
    const error = d.refused(() => d.service.handOff(id, 'commander', TARGET, actor(CAROL)), 'forbidden');
    expect(error.message).toBe(
      `Only the commander, whoever declared it, or an admin (@${ADMIN}, members of ${ADMINS_GROUP}) may make someone commander of incident #${id}.`,
    );
  });

  it('names configured groups and users as the edge names them', () => {
    const id = incident({ permissions: { resolve: [ONCALL_GROUP, DAVE] } });
    const error = d.refused(() => d.service.resolve(id, actor(CAROL), null), 'forbidden');
    expect(error.message).toBe(`Only members of ${ONCALL_GROUP} or @${DAVE} may resolve incident #${id}.`);
  });

  it('leaves out admins when the settings name none', () => {
    d = new Domain({ principalNames: NAMES });
    const { id } = d.declare(ALICE);
    const error = d.refused(() => d.service.requestPostmortem(id, actor(CAROL), true), 'forbidden');
    expect(error.message).toBe(
      `Only the commander or whoever declared it may replace the report of incident #${id} (--force).`,
    );
  });

  it('names people by their ids when the edge gives no way of naming them', () => {
    d = new Domain({ settings: { permissions: { severity: [DAVE] } } });
    const { id } = d.declare(ALICE);
    expect(d.refused(() => d.service.setSeverity(id, 'sev1', actor(CAROL)), 'forbidden').message).toBe(
      `Only ${DAVE} may change the severity of incident #${id}.`,
    );
  });
});

describe('the groups an edge must look up', () => {
  it('are those the rules and the admins name, once each, sorted, with any extra ones asked about', () => {
    incident({ permissions: { resolve: [ONCALL_GROUP], severity: [ONCALL_GROUP, CAROL] } });
    expect(d.service.permissionGroups()).toEqual([ADMINS_GROUP, ONCALL_GROUP]);
    expect(d.service.permissionGroups(['SRUNBOOK', CAROL])).toEqual([ADMINS_GROUP, ONCALL_GROUP, 'SRUNBOOK']);
  });
});
