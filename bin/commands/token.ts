/** `kiln token create|list|revoke`: enrollment tokens for agents (stored hashed, expiring, revocable). */
import type { Command } from 'commander';
import { TokenStore } from '../../collector/tokens/token-store.ts';
import { parseDurationMs } from '../../lib/duration.ts';
import { createEsClient } from '../../lib/es.ts';
import { indexNames } from '../../lib/indices.ts';
import { renderTable } from '../../lib/table.ts';
import { action, esOptions, example, indexPrefix, printJson, withEsOptions } from '../cli-support.ts';

async function withStore<T>(opts: Record<string, string>, fn: (store: TokenStore) => Promise<T>): Promise<T> {
  const client = createEsClient(esOptions(opts));
  try {
    return await fn(new TokenStore(client, indexNames(indexPrefix(opts))));
  } finally {
    await client.close();
  }
}

/** Registers the token commands. */
export function registerToken(program: Command): void {
  const group = example(
    program.command('token').description('enrollment tokens agents exchange for a per-instance token'),
    'kiln token create --ttl 30d --description "web fleet"',
  );

  example(
    withEsOptions(
      group
        .command('create')
        .description('create an enrollment token (printed once; only its hash is stored)')
        .option('--ttl <duration>', 'expire after this long, e.g. 30d (default: never)')
        .option('--description <text>', 'what the token is for')
        .option('--json', 'print as JSON'),
    ),
    'kiln token create --ttl 30d --description "web fleet" > /run/secrets/kiln-enrollment-token',
  ).action(
    action(async (opts) =>
      withStore(opts, async (store) => {
        const { token, info } = await store.createEnrollmentToken({
          ...(opts.ttl ? { ttlMs: parseDurationMs(opts.ttl) } : {}),
          ...(opts.description ? { description: opts.description } : {}),
        });
        if (opts.json) printJson({ token, ...info });
        else {
          process.stdout.write(`${token}\n`);
          process.stderr.write(`token id ${info.id}${info.expiresAt ? `, expires ${info.expiresAt}` : ''}\n`);
        }
        return 0;
      }),
    ),
  );

  example(
    withEsOptions(
      group
        .command('list')
        .description('list enrollment tokens (ids, never secrets)')
        .option('--json', 'print as JSON'),
    ),
    'kiln token list',
  ).action(
    action(async (opts) =>
      withStore(opts, async (store) => {
        const tokens = await store.listEnrollmentTokens();
        if (opts.json) printJson(tokens);
        else {
          const rows = tokens.map((t) => [
            t.id.slice(0, 16),
            t.createdAt,
            t.expiresAt ?? 'never',
            t.revoked ? 'revoked' : 'active',
            t.description ?? '',
          ]);
          process.stdout.write(
            `${renderTable(['id', 'created', 'expires', 'state', 'description'], rows)}\n`,
          );
        }
        return 0;
      }),
    ),
  );

  example(
    withEsOptions(
      group
        .command('revoke')
        .description('revoke a token by its id (hash) or the token itself')
        .argument('<id-or-token>'),
    ),
    'kiln token revoke 3f9a…',
  ).action(
    action(async (idOrToken: string, opts) =>
      withStore(opts, async (store) => {
        let id = idOrToken;
        if (/^[0-9a-f]{4,63}$/.test(idOrToken)) {
          const matches = (await store.listEnrollmentTokens()).filter((t) => t.id.startsWith(idOrToken));
          if (matches.length === 1) id = matches[0]!.id;
        }
        const revoked = await store.revoke(id);
        if (!revoked) {
          process.stderr.write(`kiln: no token ${idOrToken}\n`);
          return 1;
        }
        process.stdout.write(`revoked ${id}\n`);
        return 0;
      }),
    ),
  );
}
