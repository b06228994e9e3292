/**
 * `kiln collector setup`: installs every index template (idempotent and versioned) and creates
 * the single state indices. An older template is upgraded and its new fields are added to the
 * existing indices; a template from a newer kiln is left alone.
 */
import type { Client } from '@elastic/elasticsearch';
import { wrapEsError } from '../../lib/es.ts';
import { eventFamilies, type IndexFamily, type IndexNames, stateFamilies } from '../../lib/indices.ts';
import { buildIndexTemplate, type TemplateOptions, templateVersion } from './templates/index-templates.ts';

/** What setup did with one template. */
export interface TemplateOutcome {
  name: string;
  family: IndexFamily;
  action: 'created' | 'upgraded' | 'unchanged' | 'newer-installed';
  installedVersion?: number;
}

/** Installs or upgrades all templates and creates the state indices. */
export async function setupStorage(
  client: Client,
  names: IndexNames,
  options: TemplateOptions = {},
): Promise<TemplateOutcome[]> {
  const outcomes: TemplateOutcome[] = [];
  for (const family of [...eventFamilies, ...stateFamilies]) {
    outcomes.push(await installTemplate(client, names, family, options));
  }
  for (const family of stateFamilies) {
    await createIndexIfMissing(client, names.state(family));
  }
  return outcomes;
}

async function installTemplate(
  client: Client,
  names: IndexNames,
  family: IndexFamily,
  options: TemplateOptions,
): Promise<TemplateOutcome> {
  const spec = buildIndexTemplate(names, family, options);
  try {
    const existing = await client.indices.getIndexTemplate({ name: spec.name }, { ignore: [404] });
    const installed = existing.index_templates?.[0]?.index_template.version;
    if (installed !== undefined && installed !== null && installed > templateVersion) {
      return { name: spec.name, family, action: 'newer-installed', installedVersion: installed };
    }
    if (installed === templateVersion)
      return { name: spec.name, family, action: 'unchanged', installedVersion: installed };
    await client.indices.putIndexTemplate({ name: spec.name, ...spec.body } as never);
    if (installed !== undefined && installed !== null) {
      // Upgrading: add the new fields to indices that already exist. Mappings only grow: a field
      // an index already has keeps its parameters there (Elasticsearch cannot change `index` or
      // `doc_values` of a live field); the new template's parameters apply from the next index.
      await addNewFields(client, names.pattern(family), spec.body.template.mappings.properties as Props);
      return { name: spec.name, family, action: 'upgraded', installedVersion: installed };
    }
    return { name: spec.name, family, action: 'created' };
  } catch (error) {
    throw wrapEsError(error, `installing index template ${spec.name}`);
  }
}

type Props = Record<string, { properties?: Props } & Record<string, unknown>>;

/** The fields of `wanted` that `existing` lacks, keeping objects' new members only (pure). */
export function missingFields(existing: Props, wanted: Props): Props {
  const out: Props = {};
  for (const [name, mapping] of Object.entries(wanted)) {
    const current = existing[name];
    if (current === undefined) out[name] = mapping;
    else if (mapping.properties && current.properties) {
      const inner = missingFields(current.properties, mapping.properties);
      if (Object.keys(inner).length > 0) out[name] = { properties: inner };
    }
  }
  return out;
}

async function addNewFields(client: Client, pattern: string, wanted: Props): Promise<void> {
  const mappings = (await client.indices.getMapping({ index: pattern, allow_no_indices: true })) as Record<
    string,
    { mappings?: { properties?: Props } }
  >;
  for (const [index, { mappings: current }] of Object.entries(mappings)) {
    const missing = missingFields(current?.properties ?? {}, wanted);
    if (Object.keys(missing).length > 0)
      await client.indices.putMapping({ index, properties: missing } as never);
  }
}

async function createIndexIfMissing(client: Client, index: string): Promise<void> {
  try {
    const exists = await client.indices.exists({ index });
    if (!exists) await client.indices.create({ index }, { ignore: [400] });
  } catch (error) {
    throw wrapEsError(error, `creating index ${index}`);
  }
}
