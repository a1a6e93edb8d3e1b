// Where a service's replicas are: its addresses as written in VERIMESH_SERVICES, and their resolution to IP:port
// replicas (static IPs, hostnames through the system resolver, `dns://server/` names through that DNS server).
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { ConfigError } from '@verimesh/kit';

/** One address of a service: an IP literal, or a name resolved (and re-resolved) to every IP it has. */
export type Address =
  | { kind: 'ip'; host: string; port: number }
  | { kind: 'name'; host: string; port: number; /** A DNS server ("ip:port") from `dns://server/`; else the system resolver. */ server?: string };

/** One replica: an IP and port. `key` is "host:port" with IPv6 in brackets. */
export interface ReplicaAddress {
  host: string;
  port: number;
  key: string;
}

const SYNTAX = 'host:port, [v6]:port, ipv4:host:port, ipv6:[host]:port or dns:[//dns-server/]host:port';

function fail(msg: string): never {
  throw new ConfigError('services', `services: ${msg}`);
}

/** `host:port` or `[v6]:port` -> host and port (both required). */
function hostPort(text: string, where: string): { host: string; port: number } {
  let host: string;
  let port: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0 || text[end + 1] !== ':') fail(`${where}: "${text}" must be [ipv6]:port`);
    host = text.slice(1, end);
    port = text.slice(end + 2);
    if (isIP(host) !== 6) fail(`${where}: "${host}" is not an IPv6 address`);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) fail(`${where}: "${text}" needs a port (host:port)`);
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
    if (host.includes(':')) fail(`${where}: write the IPv6 address "${text}" as [address]:port`);
  }
  if (!host) fail(`${where}: "${text}" has no host`);
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) fail(`${where}: port "${port}" of "${text}" must be 1-65535`);
  if (!/^[A-Za-z0-9.\-_:%]+$/.test(host)) fail(`${where}: "${host}" is not a host name or IP address`);
  return { host, port: Number(port) };
}

/** `dns://server[:port]/` authority -> "ip:port" of the DNS server (53 by default). */
function dnsServer(authority: string, where: string): string {
  const bare = authority.startsWith('[') && authority.endsWith(']') ? authority.slice(1, -1) : authority;
  const a = /^\[.*\]:\d+$/.test(authority) || (!authority.startsWith('[') && /^[^:]+:\d+$/.test(authority)) ? hostPort(authority, `DNS server in ${where}`) : { host: bare, port: 53 };
  if (!isIP(a.host)) fail(`${where}: the DNS server "${authority}" must be an IP address`);
  return replicaKey(a.host, a.port);
}

/**
 * Parses one address: `host:port`, `[v6]:port`, `ipv4:host:port`, `ipv6:[host]:port`, `dns:host:port`,
 * `dns:///host:port` or `dns://dns-server[:port]/host:port`. `inherited`: the scheme of the list it continues
 * (gRPC's `ipv4:a:p,b:p`). Throws ConfigError naming the service and the address.
 */
export function parseAddress(text: string, service: string, inherited?: 'ipv4' | 'ipv6'): Address {
  const where = `address of ${service}`;
  const scheme = /^(ipv4|ipv6|dns):/i.exec(text)?.[1]!.toLowerCase();
  // Any other "word:" that is not "host:port" is a scheme this gateway does not speak (unix:, xds:, ...).
  if (!scheme && /^[a-z][a-z0-9+.-]*:(?!\d+$)/i.test(text)) fail(`${where}: unsupported address "${text}" (use ${SYNTAX})`);
  let rest = scheme ? text.slice(scheme.length + 1) : text;
  if (scheme === 'dns') {
    let server: string | undefined;
    if (rest.startsWith('//')) {
      const slash = rest.indexOf('/', 2);
      if (slash < 0) fail(`${where}: "${text}" must be dns://dns-server/host:port or dns:///host:port`);
      if (slash > 2) server = dnsServer(rest.slice(2, slash), where);
      rest = rest.slice(slash + 1);
    }
    const hp = hostPort(rest, where);
    if (isIP(hp.host)) return { kind: 'ip', ...hp };
    return server ? { kind: 'name', ...hp, server } : { kind: 'name', ...hp };
  }
  const family = scheme ?? inherited;
  const hp = hostPort(rest, where);
  if (family === 'ipv4' && isIP(hp.host) !== 4) fail(`${where}: "${hp.host}" in an ipv4: list is not an IPv4 address`);
  if (family === 'ipv6' && isIP(hp.host) !== 6) fail(`${where}: "${hp.host}" in an ipv6: list is not an IPv6 address`);
  return isIP(hp.host) ? { kind: 'ip', ...hp } : { kind: 'name', ...hp };
}

/**
 * Parses a target: one or more addresses separated by commas. After an `ipv4:`/`ipv6:` address, bare addresses
 * continue its list (gRPC's `ipv4:a:p,b:p`).
 */
export function parseTarget(text: string, service = 'the service'): Address[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) fail(`${service}: empty address in "${text}"`);
  let inherited: 'ipv4' | 'ipv6' | undefined;
  return parts.map((p) => {
    const scheme = /^(ipv4|ipv6|dns):/i.exec(p)?.[1]!.toLowerCase();
    if (scheme) inherited = scheme === 'dns' ? undefined : (scheme as 'ipv4' | 'ipv6');
    return parseAddress(p, service, scheme ? undefined : inherited);
  });
}

export function replicaKey(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The grpc-js target of one replica (a fixed IP, no resolution in grpc-js). */
export function grpcTargetOf(r: ReplicaAddress): string {
  return isIP(r.host) === 6 ? `ipv6:[${r.host}]:${r.port}` : `ipv4:${r.host}:${r.port}`;
}

/** True when resolving `addresses` again may give a different answer (some are names). */
export function isDynamic(addresses: readonly Address[]): boolean {
  return addresses.some((a) => a.kind === 'name');
}

const resolvers = new Map<string, dns.Resolver>();
function resolverFor(server: string): dns.Resolver {
  let r = resolvers.get(server);
  if (!r) {
    r = new dns.Resolver({ timeout: 2_000, tries: 2 });
    r.setServers([server]);
    resolvers.set(server, r);
  }
  return r;
}

async function resolveName(a: Extract<Address, { kind: 'name' }>): Promise<string[]> {
  if (!a.server) return (await dns.lookup(a.host, { all: true })).map((x) => x.address);
  const r = resolverFor(a.server);
  const got = await Promise.allSettled([r.resolve4(a.host), r.resolve6(a.host)]);
  const ips = got.flatMap((g) => (g.status === 'fulfilled' ? g.value : []));
  // A name with no records of either family is an answer (no replicas); a failed query, or a name that does not
  // exist (NXDOMAIN: a typo, or the service being recreated), is an error and the caller keeps what it had.
  const noData = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENODATA';
  if (!ips.length && got.some((g) => g.status === 'rejected' && !noData(g.reason))) {
    throw (got.find((g) => g.status === 'rejected' && !noData(g.reason)) as PromiseRejectedResult).reason;
  }
  return ips;
}

/**
 * Every replica the addresses stand for now, sorted and without repeats. A name that fails to resolve or does not
 * exist throws (the caller keeps what it had); a name with no records contributes none.
 */
export async function resolveAddresses(addresses: readonly Address[]): Promise<ReplicaAddress[]> {
  const lists = await Promise.all(
    addresses.map(async (a) => (a.kind === 'ip' ? [a.host] : await resolveName(a)).map((host) => ({ host, port: a.port }))),
  );
  const seen = new Map<string, ReplicaAddress>();
  for (const { host, port } of lists.flat()) {
    const key = replicaKey(host, port);
    if (!seen.has(key)) seen.set(key, { host, port, key });
  }
  return [...seen.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}
