/**
 * Local users and groups from passwd(5) and group(5) files, and the authorized_keys files of
 * every user's home (sshd's default `AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2`).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AuthorizedKeysEntry, GroupEntry, UserEntry } from './types.ts';
import { realPathOf } from './walk.ts';

/** Parses passwd lines `name:x:uid:gid:gecos:home:shell`. */
export function parsePasswd(text: string): Record<string, UserEntry> {
  const users: Record<string, UserEntry> = {};
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#') || !f[0]) continue;
    users[f[0]] = { uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! };
  }
  return users;
}

/** Parses group lines `name:x:gid:member,member`. */
export function parseGroup(text: string): Record<string, GroupEntry> {
  const groups: Record<string, GroupEntry> = {};
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#') || !f[0]) continue;
    const members = f[3]!
      .split(',')
      .filter((m) => m !== '')
      .sort();
    groups[f[0]] = { gid: Number(f[2]), members };
  }
  return groups;
}

/** Summarizes an authorized_keys file: its digest and `type comment` of each key, never the key itself. */
export function describeAuthorizedKeys(content: string): AuthorizedKeysEntry {
  const keys = content
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      // Options may precede the key type (sshd(8) AUTHORIZED_KEYS FILE FORMAT); find the type token.
      const tokens = line.split(/\s+/);
      const at = tokens.findIndex((t) => /^(ssh-|ecdsa-|sk-)/.test(t));
      const type = at >= 0 ? tokens[at]! : 'unknown';
      const blob = at >= 0 ? (tokens[at + 1] ?? '') : line;
      const comment = at >= 0 ? tokens.slice(at + 2).join(' ') : '';
      const fingerprint = createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
      return `${type} SHA256:${fingerprint}${comment ? ` ${comment}` : ''}`;
    });
  return { sha256: createHash('sha256').update(content).digest('hex'), keys };
}

/** Users, groups and authorized_keys files of the system under `root`. */
export async function readAccounts(root = '/'): Promise<{
  users: Record<string, UserEntry>;
  groups: Record<string, GroupEntry>;
  authorizedKeys: Record<string, AuthorizedKeysEntry>;
}> {
  const read = (logical: string) => readFile(realPathOf(root, logical), 'utf8').catch(() => undefined);
  const users = parsePasswd((await read('/etc/passwd')) ?? '');
  const groups = parseGroup((await read('/etc/group')) ?? '');
  const homes = new Set(
    Object.values(users)
      .map((u) => u.home)
      .filter((h) => h.startsWith('/')),
  );
  homes.add('/root');
  const authorizedKeys: Record<string, AuthorizedKeysEntry> = {};
  for (const home of [...homes].sort()) {
    for (const name of ['authorized_keys', 'authorized_keys2']) {
      const logical = path.posix.join(home, '.ssh', name);
      const content = await read(logical);
      if (content !== undefined) authorizedKeys[logical] = describeAuthorizedKeys(content);
    }
  }
  return { users, groups, authorizedKeys };
}
