/** Shared pieces of the engine tests: registry seeding, audit reads, a counting webhook receiver. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@elastic/elasticsearch';
import { verifySignature } from '../../../collector/actions/webhook-signature.ts';
import type { RegistryDocument } from '../../../lib/fleet.ts';
import type { IndexNames } from '../../../lib/indices.ts';

/** Writes registry documents (`_id` = instance id) and refreshes. */
export async function seedRegistry(
  client: Client,
  names: IndexNames,
  docs: RegistryDocument[],
): Promise<void> {
  const operations = docs.flatMap((d) => [
    { index: { _index: names.state('registry'), _id: d.cloud.instance.id } },
    d,
  ]);
  const result = await client.bulk({ operations, refresh: true });
  if (result.errors) throw new Error(`seeding the registry failed: ${JSON.stringify(result.items[0])}`);
}

/** Every audit record of the prefix, sorted by id. */
export async function auditRecords(
  client: Client,
  names: IndexNames,
): Promise<{ id: string; source: Record<string, any> }[]> {
  await client.indices.refresh({
    index: names.pattern('actions'),
    allow_no_indices: true,
    ignore_unavailable: true,
  });
  const result = await client.search<Record<string, any>>({
    index: names.pattern('actions'),
    size: 1000,
    allow_no_indices: true,
    ignore_unavailable: true,
    query: { match_all: {} },
  });
  return result.hits.hits
    .map((h) => ({ id: h._id!, source: h._source! }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The registry documents with their sequence numbers. */
export async function registrySnapshot(client: Client, names: IndexNames) {
  await client.indices.refresh({ index: names.state('registry') });
  const result = await client.search<RegistryDocument>({
    index: names.state('registry'),
    size: 1000,
    seq_no_primary_term: true,
  });
  return new Map(result.hits.hits.map((h) => [h._id!, { seqNo: h._seq_no, doc: h._source! }]));
}

/** A webhook receiver on 127.0.0.1:0 that verifies signatures and records each delivery's body. */
export async function startReceiver(
  secret: string,
): Promise<{ url: string; bodies: Record<string, any>[]; invalid: number; close(): Promise<void> }> {
  const state = { bodies: [] as Record<string, any>[], invalid: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (!verifySignature(secret, body, req.headers['x-kiln-signature'] as string | undefined)) {
        state.invalid += 1;
        res.writeHead(401).end();
        return;
      }
      state.bodies.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    get bodies() {
      return state.bodies;
    },
    get invalid() {
      return state.invalid;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
