/**
 * Composable index templates for every family
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/index-templates.html).
 * Bump `templateVersion` whenever a mapping changes: setup upgrades older templates and
 * adds the new fields to existing indices.
 */
import { type IndexFamily, type IndexNames, isStateFamily } from '../../../lib/indices.ts';
import { familyProperties } from './families.ts';

/** The version of kiln's templates; a newer kiln with a higher number upgrades them. */
export const templateVersion = 6;

/** Marks indices and templates as kiln's, so retention never touches anything else. */
export const managedByMeta = { managed_by: 'kiln' } as const;

/** One composable index template, ready for `PUT _index_template/<name>`. */
export interface IndexTemplateSpec {
  name: string;
  body: {
    index_patterns: string[];
    priority: number;
    version: number;
    _meta: Record<string, unknown>;
    template: { settings: Record<string, unknown>; mappings: Record<string, unknown> };
  };
}

/** Options for the templates. */
export interface TemplateOptions {
  /** Replica count; default `0-1` auto-expansion (0 on one node, 1 when a second node joins). */
  autoExpandReplicas?: string;
}

/** Builds the template of one family. */
export function buildIndexTemplate(
  names: IndexNames,
  family: IndexFamily,
  options: TemplateOptions = {},
): IndexTemplateSpec {
  const meta = { ...managedByMeta, family, kiln_template_version: templateVersion };
  return {
    name: `${names.prefix}-${family}`,
    body: {
      index_patterns: [names.pattern(family)],
      priority: 200,
      version: templateVersion,
      _meta: meta,
      template: {
        settings: {
          'index.number_of_shards': 1,
          'index.auto_expand_replicas': options.autoExpandReplicas ?? '0-1',
          'index.refresh_interval': isStateFamily(family) ? '1s' : '5s',
          'index.mapping.total_fields.limit': 2000,
        },
        mappings: {
          _meta: meta,
          // Only the fields below are indexed. Anything else an instance sends stays in _source,
          // visible in Discover, but never mapped: one instance's shapes cannot change (or
          // poison) the mapping every other instance's documents are indexed with, nor grow it.
          dynamic: false,
          date_detection: false,
          numeric_detection: false,
          properties: familyProperties(family),
        },
      },
    },
  };
}
