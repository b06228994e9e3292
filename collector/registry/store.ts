/**
 * Read-modify-write of one registry document with optimistic concurrency
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/optimistic-concurrency-control.html):
 * the write carries the `_seq_no`/`_primary_term` it read (or `op_type: create` when the document
 * did not exist), and a 409 means another collector wrote in between, so read again and redo.
 * No update is ever lost, however many collectors write at once.
 */
import type { Client } from '@elastic/elasticsearch';
import { KilnError } from '../../lib/errors.ts';
import { esStatusOf, wrapEsError } from '../../lib/es.ts';
import type { RegistryDocument } from '../../lib/fleet.ts';
import { type AttemptOutcome, outcome, retry } from '../../lib/retry.ts';

/** Settings of the retry loop. */
export interface UpdateOptions {
  /** Attempts before giving up on conflicts. Default 50. */
  maxAttempts?: number;
  /** Make the write visible to search at once (tests, the CLI). Default false. */
  refresh?: boolean;
}

/**
 * Applies `mutate` to the current document (undefined when missing) and writes the result only if
 * nobody wrote in between; `mutate` returning undefined means "nothing to change".
 * Returns the document written, or undefined when nothing was.
 */
export async function updateRegistryDocument(
  client: Client,
  index: string,
  id: string,
  mutate: (
    current: RegistryDocument | undefined,
  ) => RegistryDocument | undefined | Promise<RegistryDocument | undefined>,
  options: UpdateOptions = {},
): Promise<RegistryDocument | undefined> {
  const maxAttempts = options.maxAttempts ?? 50;
  const result = await retry(() => writeOnce(client, index, id, mutate, options), {
    maxAttempts,
    backoff: { baseMs: 10, maxMs: 500 },
  });
  if (result.kind === 'ok') return result.value;
  if (result.kind === 'permanent') throw result.error;
  throw new KilnError(
    'KILN_ERR_ES_REQUEST',
    `registry document ${id} kept changing under ${maxAttempts} attempts to update it; the update will be retried with the next batch`,
  );
}

/** One read-mutate-write; a 409 (someone wrote in between) is retryable. */
async function writeOnce(
  client: Client,
  index: string,
  id: string,
  mutate: (
    current: RegistryDocument | undefined,
  ) => RegistryDocument | undefined | Promise<RegistryDocument | undefined>,
  options: UpdateOptions,
): Promise<AttemptOutcome<RegistryDocument | undefined>> {
  let current: { doc: RegistryDocument; seqNo: number; primaryTerm: number } | undefined;
  try {
    const got = await client.get<RegistryDocument>({ index, id }, { ignore: [404] });
    if (got.found && got._source && got._seq_no !== undefined && got._primary_term !== undefined) {
      current = { doc: got._source, seqNo: got._seq_no, primaryTerm: got._primary_term };
    }
  } catch (error) {
    return outcome.permanent(wrapEsError(error, `reading registry document ${id}`));
  }
  const next = await mutate(current?.doc);
  if (!next) return outcome.ok(undefined);
  try {
    await client.index({
      index,
      id,
      document: next,
      ...(current
        ? { if_seq_no: current.seqNo, if_primary_term: current.primaryTerm }
        : { op_type: 'create' }),
      ...(options.refresh ? { refresh: 'wait_for' as const } : {}),
    });
    return outcome.ok(next);
  } catch (error) {
    if (esStatusOf(error) === 409) return outcome.retryable(error);
    return outcome.permanent(wrapEsError(error, `writing registry document ${id}`));
  }
}
