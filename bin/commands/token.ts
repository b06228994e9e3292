/**
 * `kiln token create|list|revoke`: enrollment tokens for instances that cannot attest themselves
 * (off EC2), the instance tokens minted from them, and resets of an instance id.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { AuditLog } from '../../collector/audit/index.ts';
import { type EnrollmentTokenInfo, TokenStore } from '../../collector/tokens/token-store.ts';
import { parseDurationMs } from '../../lib/duration.ts';
import { KilnError } from '../../lib/errors.ts';
import { createEsClient } from '../../lib/es.ts';
import { indexNames } from '../../lib/indices.ts';
import { renderTable } from '../../lib/table.ts';
import { action, esOptions, example, indexPrefix, printJson, withEsOptions } from '../cli-support.ts';
import { summaryOf } from '../command-index.ts';

async function withStore<T>(
  opts: Record<string, string>,
  fn: (store: TokenStore, audit: AuditLog) => Promise<T>,
): Promise<T> {
  const client = createEsClient(esOptions(opts));
  try {
    const names = indexNames(indexPrefix(opts));
    return await fn(new TokenStore(client, names), new AuditLog(client, names));
  } finally {
    await client.close();
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** How a token's reach reads in a table. */
function scopeText(t: EnrollmentTokenInfo): string {
  if (t.scope === 'fleet') return 'fleet (trust on first use)';
  const ids = t.instanceIds ?? [];
  return ids.length <= 2 ? ids.join(', ') : `${ids.slice(0, 2).join(', ')} +${ids.length - 2}`;
}

/** Registers the token commands. */
export function registerToken(program: Command): void {
  const group = example(
    program.command('token').description(summaryOf('token')),
    'kiln token create --instance host-db-1 --single-use --ttl 1d',
  );

  example(
    withEsOptions(
      group
        .command('create')
        .description('create an enrollment token (printed once; only its hash is stored)')
        .option('--instance <id>', 'bind the token to this instance id (repeatable)', collect)
        .option(
          '--fleet',
          'a fleet-wide token: any instance id, first come first served (trust on first use)',
        )
        .option('--single-use', 'valid for one first enrollment only')
        .option('--ttl <duration>', 'expire after this long, e.g. 30d (default: never)')
        .option('--description <text>', 'what the token is for')
        .option('--json', 'print as JSON'),
    ),
    'kiln token create --instance host-db-1 --single-use --ttl 1d > /run/secrets/kiln-enrollment-token',
    'kiln token create --fleet --ttl 30d --description "lab machines"',
  ).action(
    action(async (opts) => {
      const instances: string[] = opts.instance ?? [];
      if (Boolean(opts.fleet) === instances.length > 0) {
        throw new KilnError(
          'KILN_ERR_USAGE',
          'say who may use the token: --instance ID (repeatable), or --fleet for a fleet-wide trust-on-first-use token',
        );
      }
      return withStore(opts, async (store) => {
        const { token, info } = await store.createEnrollmentToken({
          scope: opts.fleet ? 'fleet' : 'bound',
          ...(instances.length ? { instanceIds: instances } : {}),
          ...(opts.singleUse ? { singleUse: true } : {}),
          ...(opts.ttl ? { ttlMs: parseDurationMs(opts.ttl) } : {}),
          ...(opts.description ? { description: opts.description } : {}),
        });
        if (opts.json) printJson({ token, ...info });
        else {
          process.stdout.write(`${token}\n`);
          process.stderr.write(
            `token id ${info.id.slice(0, 16)}, for ${scopeText(info)}${info.singleUse ? ', single use' : ''}${info.expiresAt ? `, expires ${info.expiresAt}` : ''}\n`,
          );
        }
        return 0;
      });
    }),
  );

  example(
    withEsOptions(
      group
        .command('list')
        .description('list enrollment tokens, or with --instances the instance tokens (ids, never secrets)')
        .option('--instances', 'list instance tokens instead')
        .option('--instance <id>', 'only the instance tokens of this instance (implies --instances)')
        .option(
          '--enrollment <id>',
          'only the instance tokens minted from this enrollment token (implies --instances)',
        )
        .option('--json', 'print as JSON'),
    ),
    'kiln token list',
    'kiln token list --enrollment 3f9a0c1e…',
  ).action(
    action(async (opts) =>
      withStore(opts, async (store) => {
        if (opts.instances || opts.instance || opts.enrollment) {
          const enrollmentId = opts.enrollment
            ? await resolveEnrollmentId(store, opts.enrollment)
            : undefined;
          const tokens = await store.listInstanceTokens({
            ...(opts.instance ? { instanceId: opts.instance } : {}),
            ...(enrollmentId ? { enrollmentId } : {}),
          });
          if (opts.json) printJson(tokens);
          else
            process.stdout.write(
              `${renderTable(
                ['id', 'instance', 'method', 'created', 'state', 'from enrollment token'],
                tokens.map((t) => [
                  t.id.slice(0, 16),
                  t.instanceId,
                  t.method,
                  t.createdAt,
                  t.revoked ? `revoked${t.revokedReason ? ` (${t.revokedReason})` : ''}` : 'active',
                  t.enrollmentId?.slice(0, 16) ?? '',
                ]),
              )}\n${tokens.length} instance token${tokens.length === 1 ? '' : 's'}\n`,
            );
          return 0;
        }
        const tokens = await store.listEnrollmentTokens();
        if (opts.json) printJson(tokens);
        else
          process.stdout.write(
            `${renderTable(
              ['id', 'for', 'single use', 'uses', 'created', 'expires', 'state', 'description'],
              tokens.map((t) => [
                t.id.slice(0, 16),
                scopeText(t),
                t.singleUse ? 'yes' : 'no',
                String(t.uses),
                t.createdAt,
                t.expiresAt ?? 'never',
                t.revoked ? 'revoked' : 'active',
                t.description ?? '',
              ]),
            )}\n${tokens.length} enrollment token${tokens.length === 1 ? '' : 's'}\n`,
          );
        return 0;
      }),
    ),
  );

  example(
    withEsOptions(
      group
        .command('revoke')
        .description(
          'revoke a token (an enrollment token takes the instance tokens minted from it along), or reset an instance id',
        )
        .argument('[id-or-token]', 'a token, its id, or an id prefix of an enrollment token')
        .option(
          '--instance <id>',
          'reset this instance: revoke its tokens; its next enrollment is a first one',
        )
        .option('--json', 'print as JSON'),
    ),
    'kiln token revoke 3f9a0c1e',
    'kiln token revoke --instance i-0abc123 # the agent lost its state directory',
  ).action(
    action(async (idOrToken: string | undefined, opts) => {
      if (Boolean(idOrToken) === Boolean(opts.instance)) {
        throw new KilnError('KILN_ERR_USAGE', 'give a token (or its id), or --instance ID, not both');
      }
      return withStore(opts, async (store, audit) => {
        const actor = userInfo().username;
        if (opts.instance) {
          const report = await store.revokeInstance(opts.instance);
          if (!report) throw new KilnError('KILN_ERR_NOT_FOUND', `instance ${opts.instance} never enrolled`);
          await audit.write({
            action: 'reset',
            outcome: 'success',
            code: 'reset',
            reason: `reset by ${actor}: ${report.instanceTokens} instance tokens revoked`,
            instanceId: opts.instance,
            actor,
          });
          if (opts.json) printJson({ instanceId: opts.instance, ...report });
          else
            process.stdout.write(
              `reset ${opts.instance}: revoked ${report.instanceTokens} instance token${report.instanceTokens === 1 ? '' : 's'}; its next enrollment is a first one\n`,
            );
          return 0;
        }
        const id = await resolveEnrollmentId(store, idOrToken!);
        const report = await store.revoke(id);
        if (!report) throw new KilnError('KILN_ERR_NOT_FOUND', `no token ${idOrToken}`);
        await audit.write({
          action: 'revoke',
          outcome: 'success',
          code: `revoke_${report.kind}`,
          reason: `revoked by ${actor}, with ${report.instanceTokens} instance tokens`,
          enrollmentId: report.kind === 'enrollment' ? id : undefined,
          actor,
        });
        if (opts.json) printJson({ id, ...report });
        else if (report.kind === 'enrollment')
          process.stdout.write(
            `revoked enrollment token ${id.slice(0, 16)} and ${report.instanceTokens} instance token${report.instanceTokens === 1 ? '' : 's'} minted from it\n`,
          );
        else process.stdout.write(`revoked instance token ${id.slice(0, 16)}\n`);
        return 0;
      });
    }),
  );
}

/** A full enrollment token id from a prefix (as `list` prints it), or the argument unchanged. */
async function resolveEnrollmentId(store: TokenStore, idOrToken: string): Promise<string> {
  if (!/^[0-9a-f]{4,63}$/.test(idOrToken)) return idOrToken;
  const matches = (await store.listEnrollmentTokens()).filter((t) => t.id.startsWith(idOrToken));
  if (matches.length > 1)
    throw new KilnError(
      'KILN_ERR_USAGE',
      `the id prefix ${idOrToken} matches ${matches.length} tokens; give more of it`,
    );
  return matches[0]?.id ?? idOrToken;
}
