/**
 * Reads the likely causes of an instance's end and the journal's boot and shutdown markers
 * (likely-cause.ts decides what a line means): one narrowing search for cause lines, one for
 * markers, then for each cause the lines around it.
 */
import type { IndexNames } from '../../lib/indices.ts';
import {
  causePhrases,
  contextLine,
  type LikelyCause,
  latestCauses,
  markerPhrases,
  orderCauses,
  terminationCause,
} from './likely-cause.ts';
import type { Doc } from './story.ts';

type Search = (index: string, body: Record<string, unknown>) => Promise<{ docs: Doc[] }>;

/** How many lines of context on each side of a cause. Default 3. */
const contextLines = 3;

const phrases = (list: readonly string[]) => list.map((p) => ({ match_phrase: { message: p } }));

/** The likely causes, each with the lines around it. */
export async function fetchLikelyCauses(
  search: Search,
  names: IndexNames,
  instanceId: string,
  lifecycle: readonly Doc[],
): Promise<LikelyCause[]> {
  const instance = { term: { 'cloud.instance.id': instanceId } };
  const logs = names.pattern('logs');
  const candidates = await search(logs, {
    query: {
      bool: {
        filter: [instance],
        should: [...phrases(causePhrases), { range: { 'log.syslog.priority': { lte: 3 } } }],
        minimum_should_match: 1,
      },
    },
    size: 500,
    sort: [{ '@timestamp': { order: 'desc', unmapped_type: 'date' } }],
  });
  const causes = latestCauses(candidates.docs);
  const notice = terminationCause(lifecycle);
  if (notice) causes.push(notice);
  await Promise.all(
    causes.map(async (cause) => {
      const around = (range: Record<string, string>, order: 'asc' | 'desc', size: number) =>
        search(logs, {
          query: { bool: { filter: [instance, { range: { '@timestamp': range } }] } },
          size,
          sort: [
            { '@timestamp': { order, unmapped_type: 'date' } },
            { 'event.sequence': { order, unmapped_type: 'long' } },
            { 'log.offset': { order, unmapped_type: 'long' } },
          ],
        });
      const [before, after] = await Promise.all([
        around({ lt: cause.at }, 'desc', contextLines),
        around({ gte: cause.at }, 'asc', contextLines + 1),
      ]);
      cause.context = [...before.docs.reverse(), ...after.docs].map(contextLine);
    }),
  );
  return orderCauses(causes);
}

/** The journal's boot and shutdown marker lines, oldest first. */
export async function fetchJournalMarkers(
  search: Search,
  names: IndexNames,
  instanceId: string,
): Promise<Doc[]> {
  const found = await search(names.pattern('logs'), {
    query: {
      bool: {
        filter: [{ term: { 'cloud.instance.id': instanceId } }, { term: { 'event.dataset': 'journald' } }],
        should: phrases(markerPhrases),
        minimum_should_match: 1,
      },
    },
    size: 200,
    sort: [{ '@timestamp': { order: 'asc', unmapped_type: 'date' } }],
  });
  return found.docs;
}
