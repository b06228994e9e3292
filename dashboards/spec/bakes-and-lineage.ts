/** [kiln] Bakes and lineage: bakes over time, their outcome and duration, which images run where. */
import type { DashboardSpec } from './types.ts';

/** The Bakes and lineage dashboard. */
export function bakesAndLineage(): DashboardSpec {
  return {
    key: 'bakes-and-lineage',
    title: '[kiln] Bakes and lineage',
    description: 'Bakes over time with outcome and duration, image lineage, and which images run where.',
    panels: [
      {
        key: 'bakes-over-time',
        type: 'lens',
        title: '[kiln] Bakes over time, by outcome',
        description: 'Bakes started per day, split by their final status.',
        dataView: 'bakes',
        vis: {
          kind: 'bar',
          x: { op: 'date_histogram', field: '@timestamp', interval: '1d', label: 'Day' },
          breakdown: { op: 'terms', field: 'kiln.bake.status', size: 5, label: 'Status' },
          metric: { op: 'count', label: 'Bakes' },
        },
      },
      {
        key: 'bake-outcomes',
        type: 'lens',
        title: '[kiln] Bake outcomes',
        description: 'Share of bakes that succeeded, failed or were cancelled.',
        dataView: 'bakes',
        vis: {
          kind: 'donut',
          slice: { op: 'terms', field: 'kiln.bake.status', size: 5, label: 'Status' },
          metric: { op: 'count', label: 'Bakes' },
        },
      },
      {
        key: 'bake-duration',
        type: 'lens',
        title: '[kiln] Bake duration by image',
        description: 'Per image name: bakes, average and longest duration (milliseconds).',
        dataView: 'bakes',
        vis: {
          kind: 'table',
          rows: [{ op: 'terms', field: 'kiln.bake.image_name', size: 20, label: 'Image name' }],
          metrics: [
            { op: 'count', label: 'Bakes' },
            { op: 'average', field: 'kiln.bake.duration_ms', label: 'Average (ms)' },
            { op: 'max', field: 'kiln.bake.duration_ms', label: 'Longest (ms)' },
          ],
        },
      },
      {
        key: 'images-where',
        type: 'lens',
        title: '[kiln] Which images run where',
        description: 'Running instances per image and replacement group.',
        dataView: 'registry',
        where: [{ field: 'kiln.status', is: ['running'] }],
        vis: {
          kind: 'table',
          rows: [
            { op: 'terms', field: 'cloud.image.id', size: 20, label: 'Image' },
            { op: 'terms', field: 'kiln.group', size: 20, label: 'Group' },
          ],
          metrics: [{ op: 'count', label: 'Running' }],
        },
      },
      {
        key: 'image-health',
        type: 'lens',
        title: '[kiln] Image health',
        description:
          'Per image: its instances by status (running, silent, replacing, replaced, terminated). An image whose instances go silent soon after boot is failing; kiln images health gives the rates against the image it replaced.',
        dataView: 'registry',
        vis: {
          kind: 'table',
          rows: [
            { op: 'terms', field: 'cloud.image.id', size: 20, label: 'Image' },
            { op: 'terms', field: 'kiln.status', size: 5, label: 'Status' },
          ],
          metrics: [{ op: 'count', label: 'Instances' }],
        },
      },
      {
        key: 'bad-images',
        type: 'search',
        title: '[kiln] Bad images and rollbacks',
        description:
          'Images marked bad (by the onBadImage rule or kiln images rollback): why, the image their groups went back to, and when.',
        dataView: 'bakes',
        where: [{ field: 'kiln.kind', is: ['image_mark'] }],
        width: 48,
        columns: [
          'kiln.image_mark.image_id',
          'kiln.image_mark.rollback_to',
          'kiln.image_mark.groups',
          'kiln.image_mark.marked_by',
          'kiln.image_mark.rolled_back_at',
          'kiln.image_mark.reason',
        ],
        sort: [['@timestamp', 'desc']],
      },
      {
        key: 'lineage',
        type: 'search',
        title: '[kiln] Bake lineage',
        description: 'Every bake: the image it produced, its parent bake and source image, the git revision.',
        dataView: 'bakes',
        width: 48,
        columns: [
          'kiln.bake.id',
          'kiln.bake.status',
          'kiln.bake.image_name',
          'kiln.bake.image_version',
          'kiln.bake.artifacts',
          'kiln.bake.parent_bake',
          'kiln.bake.source_image',
          'kiln.bake.git_revision',
          'kiln.bake.duration_ms',
        ],
        sort: [['@timestamp', 'desc']],
      },
    ],
  };
}
