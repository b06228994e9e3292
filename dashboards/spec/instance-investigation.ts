/**
 * [kiln] Instance investigation: one instance's whole life, for a server that is gone. The
 * control filters every panel on `cloud.instance.id` (all of kiln's indices carry it), so
 * picking the dead instance shows its boot facts, its timeline, its last log lines and the
 * completeness report its agent sent at shutdown.
 */
import type { DashboardSpec } from './types.ts';

/** The field the investigation is filtered on. */
export const instanceField = 'cloud.instance.id';

const notHeartbeat = { field: 'kiln.lifecycle.phase', isNot: ['heartbeat'] } as const;

/** The Instance investigation dashboard. */
export function instanceInvestigation(): DashboardSpec {
  return {
    key: 'instance-investigation',
    title: '[kiln] Instance investigation',
    description:
      'Pick an instance: its registry entry, boot facts, the likely cause in its journal, timeline (bake → boot → drift → decisions → shutdown or silence), last log lines and shutdown completeness.',
    controls: [
      { key: 'instance', title: 'Instance', field: instanceField, dataView: 'registry', singleSelect: true },
    ],
    panels: [
      {
        key: 'registry-entry',
        type: 'search',
        title: '[kiln] Registry entry',
        description: 'What kiln knows now: status and why, last heartbeat, drift state, image and bake.',
        dataView: 'registry',
        width: 48,
        height: 8,
        columns: [
          'cloud.instance.id',
          'kiln.status',
          'kiln.status_reason',
          'kiln.last_seen',
          'kiln.drift.state',
          'cloud.image.id',
          'kiln.bake.id',
          'kiln.shutdown.complete',
        ],
        sort: [['kiln.last_seen', 'desc']],
      },
      {
        key: 'boot-facts',
        type: 'search',
        title: '[kiln] Boot facts',
        description: 'One row per boot: host, image and bake it came from, launch and boot time, OS, size.',
        dataView: 'facts',
        width: 48,
        height: 10,
        columns: [
          'host.name',
          'host.boot.id',
          'cloud.image.id',
          'kiln.bake.id',
          'kiln.image.name',
          'kiln.image.version',
          'kiln.launch_time',
          'kiln.boot_time',
          'host.os.full',
          'kiln.facts.cpus',
          'kiln.facts.memory_bytes',
        ],
        sort: [['@timestamp', 'desc']],
      },
      {
        key: 'likely-cause',
        type: 'search',
        title: '[kiln] Likely cause: the system journal at warning and worse',
        description:
          'Journal lines at priority warning or worse, newest first: the OOM killer, segfaults and panics, units that failed, application errors (kiln investigate picks the latest of each). A row\'s "View surrounding documents" shows the lines around it.',
        dataView: 'logs',
        where: [{ field: 'log.syslog.priority', is: ['0', '1', '2', '3', '4'] }],
        width: 48,
        height: 12,
        columns: [
          'log.syslog.severity.name',
          'systemd.unit',
          'log.syslog.appname',
          'host.boot.id',
          'message',
        ],
        sort: [
          ['@timestamp', 'desc'],
          ['event.sequence', 'desc'],
        ],
        size: 100,
      },
      {
        key: 'events-over-time',
        type: 'lens',
        title: '[kiln] Instance events over time',
        description:
          'Boots, agent starts and shutdowns, drift events and decisions per hour (heartbeats left out).',
        dataView: 'timeline',
        where: [notHeartbeat],
        width: 48,
        height: 10,
        vis: {
          kind: 'bar',
          x: { op: 'date_histogram', field: '@timestamp', interval: '1h', label: 'Hour' },
          breakdown: { op: 'terms', field: 'kiln.kind', size: 5, label: 'Kind' },
          metric: { op: 'count', label: 'Events' },
        },
      },
      {
        key: 'timeline',
        type: 'search',
        title: '[kiln] Lifecycle timeline',
        description:
          'The instance life in time order: facts at boot, agent start, drift, kiln decisions, shutdown (heartbeats left out).',
        dataView: 'timeline',
        where: [notHeartbeat],
        width: 48,
        height: 15,
        columns: [
          'kiln.kind',
          'kiln.lifecycle.phase',
          'kiln.drift.change',
          'kiln.drift.path',
          'kiln.decision.outcome',
          'kiln.decision.trigger',
          'kiln.decision.reason',
          'message',
        ],
        sort: [['@timestamp', 'asc']],
        size: 200,
      },
      {
        key: 'last-log-lines',
        type: 'search',
        title: '[kiln] Last log lines',
        description:
          'Log lines newest first: the top rows are the last lines the instance wrote before it went silent.',
        dataView: 'logs',
        width: 48,
        height: 20,
        columns: ['log.file.path', 'message'],
        sort: [
          ['@timestamp', 'desc'],
          ['log.offset', 'desc'],
        ],
        size: 100,
      },
      {
        key: 'incomplete-files',
        type: 'lens',
        title: '[kiln] Files not fully shipped at shutdown',
        description:
          'Files the agent could not ship to their end before the shutdown deadline (0 means nothing lost).',
        dataView: 'lifecycle',
        where: [{ field: 'kiln.completeness.complete', is: [false] }],
        width: 12,
        height: 10,
        vis: { kind: 'metric', metric: { op: 'count', label: 'Incomplete files' } },
      },
      {
        key: 'completeness',
        type: 'search',
        title: '[kiln] Shutdown completeness per file',
        description:
          'What the agent reported at shutdown for each file: bytes shipped against the file size.',
        dataView: 'lifecycle',
        where: [{ field: 'kiln.completeness.file', exists: true }],
        width: 36,
        height: 10,
        columns: [
          'kiln.completeness.file',
          'kiln.completeness.bytes_shipped',
          'kiln.completeness.file_size',
          'kiln.completeness.complete',
        ],
        sort: [['kiln.completeness.file', 'asc']],
      },
    ],
  };
}
