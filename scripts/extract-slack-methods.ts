/**
 * Extracts, from Slack's published Web API description (test/fixtures/vendor/slack/
 * web-api-openapi-v2.json), the methods the bot and its fake use: each method's parameters and
 * which are required. The fake Slack validates every call against the result, so the bot cannot
 * drift from Slack's real API shapes. Run: npx tsx scripts/extract-slack-methods.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { USED_METHODS, extractMethods } from '../src/sandbox/fake-slack/spec.ts';

const fixture = fileURLToPath(new URL('../test/fixtures/vendor/slack/web-api-openapi-v2.json', import.meta.url));
const out = fileURLToPath(new URL('../src/sandbox/fake-slack/web-api-methods.json', import.meta.url));
const spec = JSON.parse(readFileSync(fixture, 'utf8'));
writeFileSync(out, `${JSON.stringify(extractMethods(spec, USED_METHODS), null, 2)}\n`);
console.log(`wrote ${USED_METHODS.length} methods to ${out}`);
