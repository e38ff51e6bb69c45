import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import { ErrorCode, UserError } from '../lib/errors.ts';

/**
 * Addresses an http step may not call unless its runbook says `allow_private: true`: a runbook run
 * from Slack must not become a way to reach the bot's own host, the cloud metadata service or the
 * internal network. IPv4-mapped IPv6 (::ffff:127.0.0.1) is matched against the IPv4 rows by
 * BlockList itself; NAT64 and 6to4 addresses are judged by the IPv4 address they carry.
 */
const RANGES: [label: string, network: string, prefix: number, family: 'ipv4' | 'ipv6'][] = [
  ['"this network" (0.0.0.0/8)', '0.0.0.0', 8, 'ipv4'],
  ['private (10/8)', '10.0.0.0', 8, 'ipv4'],
  ['shared carrier-grade NAT (100.64/10)', '100.64.0.0', 10, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['link-local (cloud metadata lives here)', '169.254.0.0', 16, 'ipv4'],
  ['private (172.16/12)', '172.16.0.0', 12, 'ipv4'],
  ['reserved (192.0.0/24)', '192.0.0.0', 24, 'ipv4'],
  ['private (192.168/16)', '192.168.0.0', 16, 'ipv4'],
  ['benchmarking (198.18/15)', '198.18.0.0', 15, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved (240/4)', '240.0.0.0', 4, 'ipv4'],
  ['unspecified (::)', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['IPv4-compatible (deprecated)', '::', 96, 'ipv6'],
  ['discard-only (100::/64)', '100::', 64, 'ipv6'],
  ['NAT64 local-use', '64:ff9b:1::', 48, 'ipv6'],
  ['unique local (private)', 'fc00::', 7, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['site-local (deprecated)', 'fec0::', 10, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6'],
];
const LISTS = RANGES.map(([label, network, prefix, family]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { label, list };
});

/** The eight 16-bit groups of an IPv6 address (one that isIP accepted). */
function groups(ip: string): number[] {
  let text = ip.split('%')[0]!;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** The IPv4 address a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address stands for, if any. */
function carriedIPv4(ip: string): string | null {
  const g = groups(ip);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4(g[6]!, g[7]!);
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!);
  return null;
}

/** Why an address may not be called without `allow_private`, or null when it is public. */
function privateRange(ip: string): string | null {
  const family = isIP(ip);
  if (family === 0) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const hit = LISTS.find(({ list }) => list.check(ip, type));
  if (hit) return hit.label;
  const carried = family === 6 ? carriedIPv4(ip) : null;
  const inner = carried ? privateRange(carried) : null;
  return inner ? `${inner}, carried in ${ip}` : null;
}

export interface CheckedAddress {
  address: string;
  family: number;
}

/** A URL's host name without the brackets of an IPv6 literal. */
const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

const refusal = (host: string, address: string, why: string) =>
  new UserError(
    ErrorCode.Forbidden,
    `${host}${host === address ? '' : ` (${address})`} is ${why}: this runbook may not call it. A runbook that must reach internal addresses says \`allow_private: true\`.`,
  );

/** Refuses a literal private address at once (no lookup needed); a name is checked when the step runs. */
export function checkLiteralHost(hostname: string, allowPrivate: boolean): void {
  const host = bareHost(hostname);
  const why = allowPrivate ? null : privateRange(host);
  if (why) throw refusal(host, host, why);
}

export type Lookup = (host: string) => Promise<CheckedAddress[]>;
export const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * Resolves a host and checks every address it has (one private answer among public ones is still
 * refused). The caller connects to exactly these addresses, so a second lookup — which DNS
 * rebinding would answer differently — never happens.
 */
export async function resolveChecked(
  hostname: string,
  allowPrivate: boolean,
  lookup: Lookup = systemLookup,
): Promise<CheckedAddress[]> {
  const host = bareHost(hostname);
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host);
  if (addresses.length === 0) throw new UserError(ErrorCode.NotFound, `${host} has no address.`);
  if (!allowPrivate) {
    for (const { address } of addresses) {
      const why = privateRange(address);
      if (why) throw refusal(host, address, why);
    }
  }
  return addresses;
}
