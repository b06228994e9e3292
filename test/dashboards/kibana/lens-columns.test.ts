/**
 * kiln's Lens columns against Lens's form-based operations (facts/lens-columns.ts): operation
 * names from x-pack/plugins/lens/public/datasources/form_based/operations/definitions/index.ts,
 * params from metrics.tsx, count.tsx, ranges/ranges.tsx and the terms column type, all 8.x;
 * the same names hold on 8.9 and 9.x.
 */
import { describe, expect, it } from 'vitest';
import { lensColumns, lensState, lensTitled, ofType, titleOf } from './built.ts';
import {
  columnShapes,
  customRangeColumn,
  formBasedLayerShape,
  lensOperationsEveryLine,
  recordsField,
  zeroHidingOperations,
} from './facts/lens-columns.ts';
import { cite } from './facts/sources.ts';
import { check } from './shape.ts';

const columns = lensColumns();
const named = (c: (typeof columns)[number]) => `${titleOf(c.lens)} ${c.columnId}`;

it('kiln ships 22 Lens objects with 53 columns', () => {
  expect(ofType('lens')).toHaveLength(22);
  expect(columns).toHaveLength(53);
});

describe(`every operation is one Lens registers on 8.9 through 9.x (${cite('lensOperations')})`, () => {
  it.each(columns.map((c) => [named(c), c.column.operationType] as const))('%s: %s', (_name, op) => {
    expect(lensOperationsEveryLine).toContain(op);
  });

  it(`"avg" is the pre-7.13 name Lens no longer looks up (${cite('lensPreAverage')})`, () => {
    expect(lensOperationsEveryLine).not.toContain('avg');
    expect(lensOperationsEveryLine).toContain('average');
  });
});

describe('every column has the keys and params its operation defines', () => {
  it.each(columns.map((c) => [named(c), c] as const))('%s', (_name, c) => {
    const shape = columnShapes[c.column.operationType];
    expect(shape, `no recorded shape for ${c.column.operationType}`).toBeDefined();
    expect(check(c.column, shape!, c.columnId)).toEqual([]);
    expect(c.column.isBucketed).toBe(['terms', 'date_histogram', 'range'].includes(c.column.operationType));
  });
});

describe(`a count shows 0 when nothing matches: emptyAsNull is "Hide zero values" (${cite('lensCount')})`, () => {
  const zeroHiding = columns.filter((c) =>
    (zeroHidingOperations as readonly string[]).includes(c.column.operationType),
  );
  it('kiln has 22 count columns', () => {
    expect(zeroHiding).toHaveLength(22);
  });
  it.each(zeroHiding.map((c) => [named(c), c] as const))('%s does not hide zero', (_name, c) => {
    expect(c.column.params?.emptyAsNull).not.toBe(true);
  });
  it.each(columns.filter((c) => c.column.operationType === 'count').map((c) => [named(c), c] as const))(
    '%s counts records',
    (_name, c) => {
      expect(c.column.sourceField).toBe(recordsField);
    },
  );
  it('the panel whose description says "0 means nothing lost" can show 0', () => {
    const lens = lensTitled('[kiln] Files not fully shipped at shutdown');
    expect(String(lens.attributes.description)).toContain('0 means nothing lost');
    const [column] = Object.values(lensState(lens).datasourceStates.formBased.layers.layer1!.columns);
    expect(column).toMatchObject({ operationType: 'count', params: { emptyAsNull: false } });
  });
});

describe(`custom ranges are written as Lens's range editor writes them (${cite('lensRanges')})`, () => {
  const ranges = columns.filter((c) => c.column.operationType === 'range');
  it('kiln has the two range panels', () => {
    expect(ranges.map((c) => titleOf(c.lens)).sort()).toEqual([
      '[kiln] Age of running instances against the max-age policy',
      '[kiln] Time from boot to first drift',
    ]);
  });
  it.each(ranges.map((c) => [named(c), c] as const))(
    '%s: labelled strings, ordinal, range format',
    (_name, c) => {
      expect(c.column.params?.type).toBe('range');
      expect(c.column.dataType).toBe(customRangeColumn.dataType);
      expect(c.column.scale).toBe(customRangeColumn.scale);
      expect((c.column.params?.parentFormat as { id?: string } | undefined)?.id).toBe(
        customRangeColumn.parentFormatId,
      );
    },
  );
});

describe('layers: column order lists every column, buckets first, and terms order by a metric of the layer', () => {
  const lenses = ofType('lens');
  it.each(lenses.map((l) => [titleOf(l), l] as const))('%s', (_title, lens) => {
    for (const [layerId, layer] of Object.entries(lensState(lens).datasourceStates.formBased.layers)) {
      expect(check(layer, formBasedLayerShape, layerId)).toEqual([]);
      expect([...layer.columnOrder].sort()).toEqual(Object.keys(layer.columns).sort());
      const bucketed = layer.columnOrder.map((id) => layer.columns[id]!.isBucketed);
      expect(bucketed).toEqual([...bucketed].sort((a, b) => Number(b) - Number(a)));
      for (const column of Object.values(layer.columns)) {
        const orderBy = column.params?.orderBy as { type: string; columnId?: string } | undefined;
        if (orderBy?.type === 'column') expect(layer.columns[orderBy.columnId!]?.isBucketed).toBe(false);
      }
    }
  });
});

describe(`buckets nest in column order, outer first (${cite('lensTermsInShiftedHistogram')})`, () => {
  const bucketFields = (title: string) => {
    const layer = lensState(lensTitled(title)).datasourceStates.formBased.layers.layer1!;
    return layer.columnOrder
      .filter((id) => layer.columns[id]!.isBucketed)
      .map((id) => layer.columns[id]!.sourceField);
  };
  it('"Instances by image and status": the 10 largest images, then their statuses', () => {
    expect(bucketFields('[kiln] Instances by image and status')).toEqual(['cloud.image.id', 'kiln.status']);
  });
  it('a terms axis with a breakdown nests the axis outside (paths, packages, reasons)', () => {
    expect(bucketFields('[kiln] Drift events by path')).toEqual(['kiln.drift.path', 'kiln.drift.change']);
    expect(bucketFields('[kiln] Drift events by package')).toEqual(['package.name', 'kiln.drift.change']);
    expect(bucketFields('[kiln] Decisions taken and deferred, by reason')).toEqual([
      'kiln.decision.reason',
      'kiln.decision.outcome',
    ]);
  });
  it('a time axis with a breakdown keeps the breakdown outside (top values over the whole range)', () => {
    expect(bucketFields('[kiln] Decisions over time, by outcome')).toEqual([
      'kiln.decision.outcome',
      '@timestamp',
    ]);
  });
});
