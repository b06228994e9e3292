/**
 * `kiln fleet`: the fleet registry as a table (instance, image, age, drift, status, trust, last
 * seen). TRUST says how the instance proved who it is: `attested` (AWS-signed identity document),
 * `bound` (an enrollment token issued for that instance id), `tofu` (a fleet-wide token: trust on
 * first use). An age marked `(claimed)` rests on what the instance says, not on a signed launch time.
 */
import type { Command } from 'commander';
import { countInstances, type FleetSort, fleetSorts, listInstances } from '../../collector/registry/index.ts';
import { formatDurationMs } from '../../lib/duration.ts';
import { KilnError } from '../../lib/errors.ts';
import { createEsClient } from '../../lib/es.ts';
import { ageStartOf, type InstanceStatus, type RegistryDocument } from '../../lib/fleet.ts';
import { indexNames } from '../../lib/indices.ts';
import { renderTable } from '../../lib/table.ts';
import {
  action,
  type EsFlags,
  esOptions,
  example,
  indexPrefix,
  printJson,
  withEsOptions,
} from '../cli-support.ts';
import { summaryOf } from '../command-index.ts';

const statuses: readonly InstanceStatus[] = ['running', 'silent', 'terminated', 'replacing', 'replaced'];

/** The table header of `kiln fleet`. */
export const fleetHeader = ['INSTANCE', 'IMAGE', 'AGE', 'DRIFT', 'STATUS', 'TRUST', 'LAST SEEN'] as const;

/** One table row per instance at `nowMs`. */
export function fleetRows(docs: readonly RegistryDocument[], nowMs: number): string[][] {
  return docs.map((doc) => {
    const image = doc.cloud.image?.id ?? '-';
    const named = doc.kiln.image?.name
      ? `${image} (${doc.kiln.image.name}${doc.kiln.image.version ? `:${doc.kiln.image.version}` : ''})`
      : image;
    const drift =
      doc.kiln.drift.state === 'drifted' ? `drifted (${doc.kiln.drift.count})` : doc.kiln.drift.state;
    const start = ageStartOf(doc);
    const age = formatDurationMs(nowMs - Date.parse(start.at));
    return [
      doc.cloud.instance.id,
      named,
      start.provenance === 'claimed' ? `${age} (claimed)` : age,
      drift,
      doc.kiln.status,
      doc.kiln.enrollment?.trust ?? '-',
      `${formatDurationMs(nowMs - Date.parse(doc.kiln.last_seen))} ago`,
    ];
  });
}

/** Parses `--status running,silent`. */
export function parseStatuses(value: string): InstanceStatus[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = list.filter((s) => !statuses.includes(s as InstanceStatus));
  if (unknown.length > 0 || list.length === 0) {
    throw new KilnError(
      'KILN_ERR_USAGE',
      `--status expects a comma-separated list of ${statuses.join(', ')}; got "${value}"`,
    );
  }
  return list as InstanceStatus[];
}

/** Parses `--sort`. */
export function parseSort(value: string): FleetSort {
  if (value in fleetSorts) return value as FleetSort;
  throw new KilnError(
    'KILN_ERR_USAGE',
    `--sort expects one of ${Object.keys(fleetSorts).join(', ')}; got "${value}"`,
  );
}

/** Parses `--limit`. */
export function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new KilnError('KILN_ERR_USAGE', `--limit expects a whole number above 0; got "${value}"`);
  return n;
}

/** Registers the fleet commands on `program`. */
export function registerFleet(program: Command): void {
  const command = withEsOptions(
    program
      .command('fleet')
      .description(summaryOf('fleet'))
      .option('--status <list>', `only these statuses (comma-separated: ${statuses.join(', ')})`)
      .option('--image <id>', 'only instances of this image (AMI) id')
      .option('--drifted', 'only instances that drifted from their baseline')
      .option('--sort <order>', `order: ${Object.keys(fleetSorts).join(', ')}`, 'last-seen')
      .option('--limit <n>', 'show at most this many (default: all)')
      .option('--json', 'print the registry documents as JSON (all that match, unless --limit)'),
  );
  example(
    command,
    'kiln fleet',
    'kiln fleet --status running,silent --drifted',
    'kiln fleet --image ami-0abc --json',
    'kiln fleet --sort age --limit 20',
  );
  command.action(
    action(
      async (
        flags: EsFlags & {
          status?: string;
          image?: string;
          drifted?: boolean;
          json?: boolean;
          sort: string;
          limit?: string;
        },
      ) => {
        const sort = parseSort(flags.sort);
        const limit = flags.limit !== undefined ? parseLimit(flags.limit) : undefined;
        const client = createEsClient(esOptions(flags));
        try {
          const names = indexNames(indexPrefix(flags));
          const filter = {
            ...(flags.status ? { status: parseStatuses(flags.status) } : {}),
            ...(flags.image ? { imageId: flags.image } : {}),
            ...(flags.drifted ? { drifted: true } : {}),
          };
          const docs = await listInstances(client, names, filter, { sort, ...(limit ? { limit } : {}) });
          if (flags.json) {
            printJson(docs);
            return 0;
          }
          const total =
            limit !== undefined && docs.length === limit
              ? await countInstances(client, names, filter)
              : docs.length;
          if (docs.length === 0) process.stdout.write('no instances match\n');
          else process.stdout.write(`${renderTable(fleetHeader, fleetRows(docs, Date.now()))}\n`);
          process.stdout.write(
            `${total} instance${total === 1 ? '' : 's'}${docs.length < total ? ` (${docs.length} shown; --limit)` : ''}\n`,
          );
          return 0;
        } finally {
          await client.close();
        }
      },
    ),
  );
}
