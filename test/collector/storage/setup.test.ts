import { afterAll, describe, expect, it } from 'vitest';
import { setupStorage } from '../../../collector/storage/setup.ts';
import { buildIndexTemplate, templateVersion } from '../../../collector/storage/templates/index-templates.ts';
import { dropPrefix, testEsClient, uniqueNames } from '../../support/es.ts';

const client = testEsClient();
const names = uniqueNames('setup');

afterAll(async () => {
  await dropPrefix(client, names);
  await client.close();
});

describe('setupStorage against the real Elasticsearch', () => {
  it('installs every template, then a second run changes nothing', async () => {
    const first = await setupStorage(client, names);
    expect(first.map((o) => o.action)).toEqual(Array(10).fill('created'));
    const second = await setupStorage(client, names);
    expect(second.map((o) => o.action)).toEqual(Array(10).fill('unchanged'));
    const exists = await client.indices.exists({
      index: [names.state('registry'), names.state('bakes'), names.state('tokens')],
    });
    expect(exists).toBe(true);
  });

  it('maps ECS fields with their ECS types in a daily index', async () => {
    const index = names.daily('logs', Date.now());
    await client.index({
      index,
      document: { '@timestamp': new Date().toISOString(), message: 'x' },
      refresh: true,
    });
    const mapping = await client.indices.getFieldMapping({
      index,
      fields: [
        '@timestamp',
        'host.ip',
        'cloud.instance.id',
        'log.offset',
        'message',
        'host.boot.id',
        'kiln.boot_time',
      ],
    });
    const types = Object.fromEntries(
      Object.entries(mapping[index]!.mappings).map(([field, m]) => [
        field,
        (Object.values(m.mapping)[0] as { type: string }).type,
      ]),
    );
    expect(types).toEqual({
      '@timestamp': 'date',
      'host.ip': 'ip',
      'cloud.instance.id': 'keyword',
      'log.offset': 'long',
      message: 'text',
      'host.boot.id': 'keyword',
      'kiln.boot_time': 'date',
    });
  });

  it('upgrades a template from an older kiln and adds new fields to existing indices', async () => {
    const old = buildIndexTemplate(names, 'drift');
    const props = old.body.template.mappings.properties as Record<string, unknown>;
    delete (props.package as { properties: Record<string, unknown> }).properties.architecture;
    old.body.version = templateVersion - 1;
    await client.indices.putIndexTemplate({ name: old.name, ...old.body } as never);
    const index = names.daily('drift', Date.now());
    await client.indices.create({ index });

    const outcomes = await setupStorage(client, names);
    expect(outcomes.find((o) => o.family === 'drift')).toMatchObject({
      action: 'upgraded',
      installedVersion: templateVersion - 1,
    });
    const mapping = await client.indices.getFieldMapping({ index, fields: 'package.architecture' });
    expect(Object.keys(mapping[index]!.mappings)).toEqual(['package.architecture']);
  });

  it('upgrades log indices made by an older template without changing their live fields', async () => {
    const old = buildIndexTemplate(names, 'logs');
    const props = old.body.template.mappings.properties as Record<string, any>;
    props.event.properties.id = { type: 'keyword', ignore_above: 1024 };
    props.log.properties.offset = { type: 'long' };
    props.message = { type: 'text' };
    delete props.log.properties.level;
    old.body.version = templateVersion - 1;
    await client.indices.putIndexTemplate({ name: old.name, ...old.body } as never);
    // Two days ago: the other tests create today's log index.
    const index = names.daily('logs', Date.now() - 2 * 86_400_000);
    await client.indices.create({ index });

    const outcomes = await setupStorage(client, names);
    expect(outcomes.find((o) => o.family === 'logs')).toMatchObject({
      action: 'upgraded',
      installedVersion: templateVersion - 1,
    });
    const mapping = await client.indices.getFieldMapping({
      index,
      fields: ['log.level', 'log.offset', 'event.id'],
    });
    const fields = mapping[index]!.mappings as Record<string, { mapping: Record<string, any> }>;
    expect(fields['log.level']!.mapping.level).toEqual({ type: 'keyword', ignore_above: 1024 });
    expect(fields['log.offset']!.mapping.offset).toEqual({ type: 'long' });
    expect(fields['event.id']!.mapping.id).toEqual({ type: 'keyword', ignore_above: 1024 });
    const next = await client.indices.simulateIndexTemplate({
      name: names.daily('logs', Date.now() + 86_400_000),
    });
    expect((next.template.mappings as any).properties.log.properties.offset).toEqual({
      type: 'long',
      index: false,
    });
    // Template 6: log lines' message keeps positions (match_phrase) but no norms, and
    // host.boot.id is doc values only there.
    const nextProps = (next.template.mappings as any).properties;
    expect(nextProps.message).toEqual({ type: 'text', norms: false });
    expect(nextProps.host.properties.boot.properties.id).toEqual({
      type: 'keyword',
      ignore_above: 1024,
      index: false,
    });
    // The live index keeps the fields it was created with.
    const live = await client.indices.getFieldMapping({ index, fields: ['message'] });
    expect((live[index]!.mappings as any).message.mapping.message).toEqual({ type: 'text' });
  });

  it('leaves a template from a newer kiln alone', async () => {
    const newer = buildIndexTemplate(names, 'bakes');
    newer.body.version = templateVersion + 5;
    await client.indices.putIndexTemplate({ name: newer.name, ...newer.body } as never);
    const outcomes = await setupStorage(client, names);
    expect(outcomes.find((o) => o.family === 'bakes')).toMatchObject({
      action: 'newer-installed',
      installedVersion: templateVersion + 5,
    });
  });
});
