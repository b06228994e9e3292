/**
 * The saved objects `kiln dashboards build` writes, read back the way Kibana reads them: the
 * NDJSON parsed line by line, the JSON strings inside parsed again. The conformance tests look
 * only at this output, never at kiln's specs, so they judge what a Kibana would receive.
 */
import { buildDashboards } from '../../../dashboards/index.ts';
import type { SavedObject } from '../../../dashboards/saved-objects/types.ts';
import { defaultBuildOptions } from '../../../dashboards/spec/index.ts';

/** Every object of the default build, parsed from the NDJSON. */
export const built: SavedObject[] = buildDashboards(defaultBuildOptions)
  .ndjson.trimEnd()
  .split('\n')
  .map((line) => JSON.parse(line) as SavedObject);

/** The objects of one type. */
export function ofType(type: SavedObject['type']): SavedObject[] {
  return built.filter((o) => o.type === type);
}

/** An object's title, for test names. */
export const titleOf = (o: SavedObject): string => String(o.attributes.title);

/** A Lens object's state. */
export function lensState(o: SavedObject): {
  datasourceStates: { formBased: { layers: Record<string, LensLayer> } };
  visualization: Record<string, unknown>;
} {
  return o.attributes.state as never;
}

/** One form-based layer. */
export interface LensLayer {
  columns: Record<string, LensColumn>;
  columnOrder: string[];
}

/** One column of a layer. */
export interface LensColumn {
  operationType: string;
  dataType: string;
  scale?: string;
  isBucketed: boolean;
  sourceField?: string;
  label: string;
  params?: Record<string, unknown>;
}

/** Every column of every Lens object, with its object and layer. */
export function lensColumns(): Array<{
  lens: SavedObject;
  layerId: string;
  columnId: string;
  column: LensColumn;
}> {
  return ofType('lens').flatMap((lens) =>
    Object.entries(lensState(lens).datasourceStates.formBased.layers).flatMap(([layerId, layer]) =>
      Object.entries(layer.columns).map(([columnId, column]) => ({ lens, layerId, columnId, column })),
    ),
  );
}

/** The Lens object titled `title`. */
export function lensTitled(title: string): SavedObject {
  const found = ofType('lens').find((o) => titleOf(o) === title);
  if (!found) throw new Error(`no Lens object titled ${title}`);
  return found;
}

/** A dashboard's panels, parsed from panelsJSON. */
export function dashboardPanels(o: SavedObject): Array<Record<string, unknown>> {
  return JSON.parse(String(o.attributes.panelsJSON));
}

/** A dashboard's controls, parsed from controlGroupInput.panelsJSON (empty when it has none). */
export function dashboardControls(o: SavedObject): Record<string, Record<string, unknown>> {
  const input = o.attributes.controlGroupInput as { panelsJSON?: string } | undefined;
  return input?.panelsJSON ? JSON.parse(input.panelsJSON) : {};
}
