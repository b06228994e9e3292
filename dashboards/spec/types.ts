/**
 * The readable source form of kiln's Kibana dashboards: each dashboard is a list of panels that
 * say what they show (data view, conditions, buckets, metrics, or columns and sort) without any
 * Kibana internals. The same panel renders to a Kibana saved object (saved-objects/) and to the
 * Elasticsearch request it stands for (es-request.ts), so tests can run what Kibana would run.
 */
import type { IndexFamily } from '../../lib/indices.ts';

/** The data views kiln ships; `timeline` spans the per-instance event families. */
export const dataViewKeys = [
  'logs',
  'facts',
  'lifecycle',
  'drift',
  'actions',
  'timeline',
  'registry',
  'bakes',
] as const;
/** One of kiln's data views. */
export type DataViewKey = (typeof dataViewKeys)[number];

/** A data view: which index families it covers and its time field (none for state indices). */
export interface DataViewSpec {
  key: DataViewKey;
  name: string;
  families: readonly IndexFamily[];
  timeField?: string;
}

/** A filter a panel always applies; rendered as KQL for Kibana and as a bool clause for ES. */
export type Condition =
  | { field: string; is: readonly (string | boolean)[] }
  | { field: string; isNot: readonly string[] }
  | { field: string; exists: boolean }
  | { field: string; atLeast: number };

/**
 * A metric column. `op` is Lens's operation name (`average`, not the Elasticsearch aggregation
 * `avg`: Lens looks the name up and `avg` is its pre-7.13 name, which it no longer knows).
 */
export type Metric =
  | { op: 'count'; label?: string }
  | { op: 'unique_count' | 'max' | 'min' | 'average' | 'sum'; field: string; label?: string };

/** A numeric range bucket; an open end is left out. */
export interface RangeSpec {
  from?: number;
  to?: number;
  label: string;
}

/** A bucket column (Lens "split" dimension). */
export type Bucket =
  | { op: 'terms'; field: string; size: number; label?: string }
  | { op: 'date_histogram'; field: string; interval: '1h' | '1d' | '1w'; label?: string }
  | { op: 'range'; field: string; ranges: readonly RangeSpec[]; label?: string };

/** What a Lens panel draws. */
export type Visualization =
  | { kind: 'metric'; metric: Metric }
  | { kind: 'donut'; slice: Bucket; metric: Metric }
  | { kind: 'bar' | 'bar_horizontal' | 'line'; x: Bucket; breakdown?: Bucket; metric: Metric }
  | { kind: 'table'; rows: readonly Bucket[]; metrics: readonly Metric[] };

/** Fields shared by every panel. */
interface PanelBase {
  /** Stable key inside its dashboard; the saved object id derives from it. */
  key: string;
  /** `[kiln] …` */
  title: string;
  description: string;
  dataView: DataViewKey;
  where?: readonly Condition[];
  /** Grid width in Kibana's 48-column grid (default 24) and height (default 15). */
  width?: number;
  height?: number;
}

/** A chart or number (a Lens visualization). */
export interface LensPanelSpec extends PanelBase {
  type: 'lens';
  vis: Visualization;
}

/** A document list (a saved search): columns and sort order. */
export interface SearchPanelSpec extends PanelBase {
  type: 'search';
  columns: readonly string[];
  sort: ReadonlyArray<readonly [string, 'asc' | 'desc']>;
  /** How many documents the ES request fetches (Kibana pages on its own). Default 50. */
  size?: number;
}

/** One panel. */
export type PanelSpec = LensPanelSpec | SearchPanelSpec;

/** An options-list control at the top of a dashboard. */
export interface ControlSpec {
  key: string;
  title: string;
  field: string;
  dataView: DataViewKey;
  singleSelect: boolean;
}

/** One dashboard. */
export interface DashboardSpec {
  key: string;
  title: string;
  description: string;
  controls?: readonly ControlSpec[];
  panels: readonly PanelSpec[];
}

/** Settings the dashboards are built with. */
export interface DashboardBuildOptions {
  /** The index prefix the data views point at. Default `kiln`. */
  indexPrefix: string;
  /** The max-age policy the age charts draw their boundary at. Default 7 days. */
  maxAgeMs: number;
}
