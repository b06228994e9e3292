/**
 * `kiln investigate <instance-id>`: a dead server's life from Elasticsearch, for when no Kibana
 * is at hand. The same story the Instance investigation dashboard shows.
 */
import type { Client } from '@elastic/elasticsearch';
import { parseDurationMs } from '../../lib/duration.ts';
import { KilnError } from '../../lib/errors.ts';
import type { IndexNames } from '../../lib/indices.ts';
import { type FetchOptions, fetchStoryData } from './fetch.ts';
import { type InstanceStory, tellStory } from './story.ts';

export { renderStory } from './render.ts';
export type { InstanceStory, TimelineEntry } from './story.ts';

/** Reads and tells the story of one instance. */
export async function investigateInstance(
  client: Client,
  names: IndexNames,
  instanceId: string,
  options: FetchOptions = {},
): Promise<InstanceStory> {
  return tellStory(await fetchStoryData(client, names, instanceId, options));
}

/** `--since`: a duration back from now (`2h`, `1d`) or an ISO 8601 time; epoch ms. */
export function parseSince(text: string, now: () => number = Date.now): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (Number.isNaN(ms))
      throw new KilnError('KILN_ERR_USAGE', `--since "${text}" is not a valid ISO 8601 time`);
    return ms;
  }
  try {
    return now() - parseDurationMs(text);
  } catch (error) {
    throw new KilnError(
      'KILN_ERR_USAGE',
      `--since "${text}": expected a duration back from now (30m, 2h, 7d) or an ISO time (2026-11-22T10:00:00Z)`,
      { cause: error },
    );
  }
}
