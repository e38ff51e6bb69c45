/**
 * Extracts from PagerDuty's REST description (test/fixtures/vendor/pagerduty/rest-openapi-v3.json)
 * the operations the bot uses, with request body schemas inlined, for the fake PagerDuty to
 * validate requests against. Run: npx tsx scripts/extract-pagerduty-operations.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { USED_OPERATIONS, extractOperations } from '../src/sandbox/fake-pagerduty/spec.ts';

const fixture = fileURLToPath(new URL('../test/fixtures/vendor/pagerduty/rest-openapi-v3.json', import.meta.url));
const out = fileURLToPath(new URL('../src/sandbox/fake-pagerduty/rest-operations.json', import.meta.url));
const ops = extractOperations(JSON.parse(readFileSync(fixture, 'utf8')), USED_OPERATIONS);
writeFileSync(out, `${JSON.stringify(ops, null, 1)}\n`);
console.log(`wrote ${ops.length} operations to ${out}`);
