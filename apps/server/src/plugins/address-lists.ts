import { BlockList, isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ForbiddenError } from '../errors.js';

/** Address lists as the config holds them: addresses and CIDR ranges, IPv4 and IPv6. */
export interface AddressLists {
  /** Refused everything. */
  readonly deny: readonly string[];
  /** When not empty, staff routes (every route that needs a login) answer only these. */
  readonly staff: readonly string[];
  /** When not empty, admin-only routes answer only these (on top of the staff list). */
  readonly admin: readonly string[];
}

/** Parses one entry (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`); undefined when it is neither. */
export function parseCidr(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', bits, extra] = entry.trim().split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return undefined;
  const max = version === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

function blockList(entries: readonly string[]): BlockList | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const cidr = parseCidr(entry);
    if (!cidr) throw new Error(`not an address or CIDR range: ${entry}`);
    list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return list;
}

/** An IPv4 client seen through an IPv6 socket (`::ffff:10.0.0.5`) is checked as the IPv4 address it is. */
function matches(list: BlockList, ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return list.check(mapped[1]!, 'ipv4');
  return list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

/** Whether an address is in a list of addresses and ranges (never, for an empty list). */
export function addressMatcher(entries: readonly string[]): (ip: string) => boolean {
  const list = blockList(entries);
  return list ? (ip) => matches(list, ip) : () => false;
}

/**
 * Who may reach what by network address: a deny list for everything, and optional allow lists for
 * staff routes (the hospital's own networks) and admin routes (the IT office). The address is the
 * one Fastify derives through TRUST_PROXY only, so X-Forwarded-For from anyone else changes nothing.
 */
export const addressListsPlugin = fp(
  async (app: FastifyInstance, opts: { lists: AddressLists }) => {
    const deny = blockList(opts.lists.deny);
    const staff = blockList(opts.lists.staff);
    const admin = blockList(opts.lists.admin);
    if (!deny && !staff && !admin) return;
    app.addHook('onRequest', async (request) => {
      if (deny && matches(deny, request.ip)) throw new ForbiddenError('Requests from this network address are refused.');
      const roles = request.routeOptions.config.roles;
      if (!roles) return;
      if (staff && !matches(staff, request.ip)) throw new ForbiddenError('Staff screens answer only from the hospital’s own networks.');
      if (admin && roles.length === 1 && roles[0] === 'admin' && !matches(admin, request.ip)) throw new ForbiddenError('Administration answers only from the networks an admin set for it.');
    });
  },
  { name: 'address-lists' },
);
