import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { USED_OPERATIONS, extractOperations } from '../../src/sandbox/fake-pagerduty/spec.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/vendor/pagerduty/rest-openapi-v3.json', import.meta.url));

describe('the fake PagerDuty REST API', () => {
  let pd: FakePagerDuty;
  beforeEach(async () => {
    pd = await new FakePagerDuty({ users: [{ id: 'PU1', name: 'Ann', email: 'ann@example.com' }] }).start();
  });
  afterEach(() => pd.stop());

  const call = (method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) =>
    fetch(`${pd.url}${path}`, {
      method,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      headers: {
        authorization: `Token token=${pd.token}`,
        accept: 'application/vnd.pagerduty+json;version=2',
        'content-type': 'application/json',
        ...opts.headers,
      },
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));

  it("validates against an extract that matches PagerDuty's published REST description", () => {
    const spec = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    const committed = JSON.parse(
      readFileSync(
        fileURLToPath(new URL('../../src/sandbox/fake-pagerduty/rest-operations.json', import.meta.url)),
        'utf8',
      ),
    );
    expect(committed).toEqual(extractOperations(spec, USED_OPERATIONS));
  });

  it('refuses a write without the From header, and a body PagerDuty would refuse', async () => {
    const incident = pd.createIncident({ title: 't' });
    const noFrom = await call('PUT', `/incidents/${incident.id}`, {
      body: { incident: { type: 'incident_reference', status: 'acknowledged' } },
    });
    expect(noFrom).toMatchObject({ status: 400, json: { error: { errors: ['missing required header From'] } } });
    const badStatus = await call('PUT', `/incidents/${incident.id}`, {
      body: { incident: { type: 'incident_reference', status: 'closed' } },
      headers: { from: 'a@b.c' },
    });
    expect(badStatus.status).toBe(400);
    expect(JSON.stringify(badStatus.json)).toContain('must be equal to one of the allowed values');
    expect(pd.rejected).toHaveLength(2);
    expect(pd.incidents.get(incident.id)!.status).toBe('triggered');
  });

  it('needs the token, and answers unknown users with 404', async () => {
    expect((await call('GET', '/users/PU1', { headers: { authorization: 'Token token=wrong' } })).status).toBe(401);
    expect(await call('GET', '/users/PU1')).toMatchObject({
      status: 200,
      json: { user: { email: 'ann@example.com' } },
    });
    expect((await call('GET', '/users/NOPE')).status).toBe(404);
    expect((await call('GET', '/oncalls?colour=red')).status).toBe(400);
  });
});
