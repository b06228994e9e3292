/**
 * Listening sockets from `/proc/net/{tcp,tcp6,udp,udp6}`
 * (https://www.kernel.org/doc/Documentation/networking/proc_net_tcp.txt): TCP in state `0A`
 * (LISTEN), UDP in state `07` bound with no remote end. Named `tcp/127.0.0.1:8080`,
 * `tcp6/[::1]:8080`; compared with the set seen at first boot.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Difference } from './types.ts';

/** Listening sockets: name to `listening uid=N`. */
export type SocketSet = Record<string, string>;

const tables = ['tcp', 'tcp6', 'udp', 'udp6'] as const;

/** The address of a `/proc/net` hex field (each 32-bit word little-endian). */
export function decodeAddress(hex: string, v6: boolean): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)));
  if (!v6) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname;
}

/** Parses one table (`tcp`, `tcp6`, `udp`, `udp6`) into its listening sockets. */
export function parseNetTable(table: string, text: string): SocketSet {
  const out: SocketSet = {};
  const v6 = table.endsWith('6');
  const tcp = table.startsWith('tcp');
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [local, remote, state, uid] = [f[1]!, f[2]!, f[3]!, f[7]!];
    const listening = tcp ? state === '0A' : state === '07' && remote.endsWith(':0000');
    if (!listening) continue;
    const [addr, port] = local.split(':');
    const host = decodeAddress(addr!, v6);
    out[`${table}/${host}:${Number.parseInt(port!, 16)}`] = `listening uid=${uid}`;
  }
  return out;
}

/** The listening sockets under `procDir` (`/proc`); a missing table counts as empty. */
export async function readListeningSockets(procDir: string): Promise<SocketSet> {
  const out: SocketSet = {};
  for (const table of tables) {
    const text = await readFile(path.join(procDir, 'net', table), 'utf8').catch(() => '');
    Object.assign(out, parseNetTable(table, text));
  }
  return out;
}

/** Sockets added or gone since the reference set (first boot). */
export function compareSockets(reference: SocketSet, current: SocketSet): Difference[] {
  const names = [...new Set([...Object.keys(reference), ...Object.keys(current)])].sort();
  const out: Difference[] = [];
  for (const name of names) {
    const before = reference[name];
    const after = current[name];
    if (before === undefined && after !== undefined)
      out.push({
        change: 'added',
        category: 'socket',
        path: name,
        before: 'not listening at first boot',
        after,
      });
    else if (before !== undefined && after === undefined)
      out.push({ change: 'removed', category: 'socket', path: name, before, after: 'not listening' });
    else if (before !== after)
      out.push({
        change: 'changed',
        category: 'socket',
        path: name,
        attribute: 'owner',
        before: before!,
        after: after!,
      });
  }
  return out;
}
