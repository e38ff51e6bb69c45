import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapAlertmanagerPayload, severityOf } from '../../src/alertmanager/map-event.ts';
import { parsePayload, type AmPayload } from '../../src/alertmanager/parse-payload.ts';
import { settingsSchema } from '../../src/config/settings.ts';

const FIXTURE = readFileSync(new URL('../fixtures/alertmanager/firing.json', import.meta.url), 'utf8');
const defaults = settingsSchema.parse({});

/** The documented example, changed as a test says, parsed as the route parses it. */
const parsed = (change: (p: Record<string, any>) => void = () => {}): AmPayload => {
  const p = JSON.parse(FIXTURE) as Record<string, any>;
  change(p);
  const result = parsePayload(Buffer.from(JSON.stringify(p)));
  if (!result.ok) throw new Error(result.reason);
  return result.payload;
};

describe('mapping an Alertmanager notification to the domain alert event', () => {
  it('takes severity from the severity label: sev1…sev4 as they are, mapped words, else the default', () => {
    expect(severityOf({ severity: 'sev2' }, defaults)).toBe('sev2');
    expect(severityOf({ severity: 'SEV4' }, defaults)).toBe('sev4');
    expect(severityOf({ severity: 'critical' }, defaults)).toBe('sev1');
    expect(severityOf({ severity: 'Warning' }, defaults)).toBe('sev3');
    expect(severityOf({ severity: 'page' }, defaults)).toBe('sev3');
    expect(severityOf({}, defaults)).toBe('sev3');
    expect(severityOf({ severity: '__proto__' }, defaults)).toBe('sev3');
    const team = settingsSchema.parse({ default_severity: 'sev4', alertmanager: { severities: { page: 'sev1' } } });
    expect(severityOf({ severity: 'page' }, team)).toBe('sev1');
    // A team's own map replaces the default words; sev1…sev4 still match.
    expect(severityOf({ severity: 'critical' }, team)).toBe('sev4');
    expect(severityOf({ severity: 'sev2' }, team)).toBe('sev2');
  });

  it('carries the labels every alert shares, for automations that match alerts on labels', () => {
    const ev = mapAlertmanagerPayload(parsed(), 'delivery-1', defaults);
    expect(ev).toMatchObject({
      sourceName: 'Alertmanager',
      deliveryId: 'delivery-1',
      status: 'firing',
      labels: { alertname: 'HighRequestLatency', service: 'checkout', severity: 'critical', env: 'production' },
      groupLabels: { alertname: 'HighRequestLatency', service: 'checkout' },
      title: 'Checkout p99 latency above 2s',
      severity: 'sev1',
      serviceName: 'checkout',
      url: 'http://alertmanager.example.com:9093',
      truncated: 0,
    });
    expect(ev.alerts[0]).toEqual({
      fingerprint: '4c2a1b9e7d3f6a58',
      name: 'HighRequestLatency',
      status: 'firing',
      labels: expect.objectContaining({ instance: 'checkout-api-7d9f8b-abcde:8080' }),
      annotations: expect.objectContaining({ summary: 'Checkout p99 latency above 2s' }),
      startsAt: Date.parse('2026-03-02T09:41:15.482Z'),
      // Alertmanager's zero time (year 1) for an alert still firing.
      endsAt: null,
      url: expect.stringMatching(/^http:\/\/prometheus\.example\.com:9090\/graph\?/),
    });
    expect(ev.description).toContain('Runbook: https://runbooks.example.com/checkout/latency');
  });

  it('names a group without a shared summary by its alert and the labels that form the group', () => {
    const noSummary = (p: Record<string, any>) => delete p.commonAnnotations.summary;
    expect(mapAlertmanagerPayload(parsed(noSummary), 'd', defaults).title).toBe(
      'HighRequestLatency (service=checkout)',
    );
    const groupedByName = mapAlertmanagerPayload(
      parsed((p) => {
        noSummary(p);
        p.groupLabels = { alertname: 'HighRequestLatency' };
      }),
      'd',
      defaults,
    );
    expect(groupedByName.title).toBe('HighRequestLatency (service=checkout, job=checkout-api)');
  });

  it('derives a fingerprint from the labels when an older Alertmanager sends none, the same for the same labels', () => {
    const ev = mapAlertmanagerPayload(
      parsed((p) => {
        for (const a of p.alerts) delete a.fingerprint;
      }),
      'd',
      defaults,
    );
    const again = mapAlertmanagerPayload(
      parsed((p) => {
        for (const a of p.alerts) delete a.fingerprint;
        p.alerts.reverse();
      }),
      'd',
      defaults,
    );
    expect(ev.alerts[0]!.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(ev.alerts[0]!.fingerprint).not.toBe(ev.alerts[1]!.fingerprint);
    expect(again.alerts[1]!.fingerprint).toBe(ev.alerts[0]!.fingerprint);
  });

  it('keeps only http(s) links and cuts long values with a marker instead of refusing them', () => {
    const ev = mapAlertmanagerPayload(
      parsed((p) => {
        p.externalURL = 'javascript:alert(1)';
        p.alerts[0].generatorURL = 'file:///etc/passwd';
        p.alerts[0].annotations.description = 'x'.repeat(10_000);
      }),
      'd',
      defaults,
    );
    expect(ev.url).toBeNull();
    expect(ev.alerts[0]!.url).toBeNull();
    expect(ev.alerts[0]!.annotations.description!.length).toBeLessThanOrEqual(4000);
    expect(ev.alerts[0]!.annotations.description).toMatch(/\[truncated\]$/);
  });
});
