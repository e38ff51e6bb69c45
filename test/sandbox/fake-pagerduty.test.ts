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

  describe('creating incidents (POST /incidents)', () => {
    const create = (incident: Record<string, unknown>, from: string | null = 'ann@example.com') =>
      call('POST', '/incidents', {
        body: { incident: { type: 'incident', title: 'Disk full', ...incident } },
        headers: from ? { from } : {},
      });
    const service = { id: 'PSVC001', type: 'service_reference' };

    it('creates one on a known service and answers 201 with it, and the trigger webhook follows', async () => {
      const webhooks: Record<string, unknown>[] = [];
      const { createServer } = await import('node:http');
      const sink = createServer((req, res) => {
        let raw = '';
        req.on('data', (c: Buffer) => (raw += c.toString()));
        req.on('end', () => {
          webhooks.push({ signature: req.headers['x-pagerduty-signature'], body: JSON.parse(raw) });
          res.writeHead(202).end('{}');
        });
      });
      await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
      pd.subscribe(`http://127.0.0.1:${(sink.address() as { port: number }).port}/`, ['s3cret']);
      const delivered = new Promise((r) => pd.once('webhook', r));
      const res = await create({ service, incident_key: 'k-1' });
      expect(res).toMatchObject({
        status: 201,
        json: { incident: { type: 'incident', title: 'Disk full', status: 'triggered', incident_key: 'k-1' } },
      });
      await delivered;
      expect(webhooks).toHaveLength(1);
      expect(webhooks[0]).toMatchObject({
        signature: expect.stringMatching(/^v1=[0-9a-f]{64}$/),
        body: { event: { event_type: 'incident.triggered', agent: { id: 'PU1' } } },
      });
      await new Promise<void>((r) => sink.close(() => r()));
    });

    it('refuses one without From, on an unknown service or policy, or with the key of an open one', async () => {
      expect(await create({ service }, null)).toMatchObject({
        status: 400,
        json: { error: { errors: ['missing required header From'] } },
      });
      expect(await create({ service: { id: 'PNOPE01', type: 'service_reference' } })).toMatchObject({
        status: 400,
        json: { error: { code: 2001, errors: ['Service not found'] } },
      });
      expect(
        await create({ service, escalation_policy: { id: 'PNOPE02', type: 'escalation_policy_reference' } }),
      ).toMatchObject({ status: 400, json: { error: { errors: ['Escalation Policy not found'] } } });
      expect((await create({ service, incident_key: 'k-2' })).status).toBe(201);
      expect(await create({ service, incident_key: 'k-2' })).toMatchObject({
        status: 400,
        json: { error: { errors: ['Open incident with key "k-2" already exists'] } },
      });
      const found = await call('GET', '/incidents?incident_key=k-2');
      expect((found.json.incidents as unknown[]).length).toBe(1);
      expect(pd.incidents.size).toBe(1);
    });

    it('answers 429 with Retry-After when told to', async () => {
      pd.inject({ status: 429, retryAfter: 3 });
      const res = await fetch(`${pd.url}/incidents`, { method: 'POST' });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
    });

    it('escalates to a level the policy has, and refuses one it has not', async () => {
      pd.policies.set('PEPFAKE', { id: 'PEPFAKE', name: 'Default', levels: [[], ['PU1']] });
      const incident = pd.createIncident({ title: 't' });
      const put = (level: number) =>
        call('PUT', `/incidents/${incident.id}`, {
          body: { incident: { type: 'incident_reference', escalation_level: level } },
          headers: { from: 'ann@example.com' },
        });
      expect((await put(2)).status).toBe(200);
      expect(pd.incidents.get(incident.id)).toMatchObject({ escalationLevel: 2, assignees: [{ id: 'PU1' }] });
      expect(await put(3)).toMatchObject({ status: 400, json: { error: { errors: ['Escalation level not found'] } } });
    });
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
