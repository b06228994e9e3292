/**
 * Optimistic concurrency on the real Elasticsearch: a write that lands between a collector's
 * read and its write makes that collector read again and redo its change, so both land —
 * for an existing document (if_seq_no/if_primary_term) and for a missing one (op_type create).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRegistryDocument } from '../../../collector/registry/apply.ts';
import { updateRegistryDocument } from '../../../collector/registry/store.ts';
import { setupStorage } from '../../../collector/storage/setup.ts';
import type { RegistryDocument } from '../../../lib/fleet.ts';
import { dropPrefix, testEsClient, uniqueNames } from '../../support/es.ts';
import { testIdentity } from '../../support/identity.ts';

/** Adds one to the drift count (a stand-in for any change a collector makes). */
function bump(id: string) {
  return (doc: RegistryDocument | undefined): RegistryDocument => {
    const next = structuredClone(
      doc ?? newRegistryDocument(testIdentity({ instanceId: id }), '2026-05-01T08:00:00.000Z'),
    );
    next.kiln.drift.count += 1;
    return next;
  };
}

describe('updateRegistryDocument', () => {
  const first = testEsClient();
  const second = testEsClient();
  const names = uniqueNames('regstore');
  const index = names.state('registry');

  beforeAll(async () => {
    await setupStorage(first, names);
  });
  afterAll(async () => {
    await dropPrefix(first, names);
    await Promise.all([first.close(), second.close()]);
  });

  it.each([
    ['an existing document (if_seq_no/if_primary_term)', 'i-existing', true],
    ['a missing document (op_type create)', 'i-missing', false],
  ])(
    'for %s, a write between read and write forces a retry and both updates land',
    async (_label, id, exists) => {
      if (exists) await updateRegistryDocument(first, index, id, bump(id));
      const readsByFirst: Array<number | undefined> = [];
      await updateRegistryDocument(first, index, id, async (current) => {
        readsByFirst.push(current?.kiln.drift.count);
        // The other collector completes its whole update after our read and before our write.
        if (readsByFirst.length === 1) await updateRegistryDocument(second, index, id, bump(id));
        return bump(id)(current);
      });
      const base = exists ? 1 : 0;
      // Our first write was refused (409) and redone on the document the other collector wrote.
      expect(readsByFirst).toEqual([exists ? base : undefined, base + 1]);
      const stored = await first.get<RegistryDocument>({ index, id });
      expect(stored._source!.kiln.drift.count).toBe(base + 2);
    },
  );
});
