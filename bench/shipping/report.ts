/**
 * The results: machine details, one row per shipper, as a terminal table and as the
 * "Log shipping" section of bench/RESULTS.md (only that section is replaced; other sections stay).
 */
import { cpus, totalmem } from 'node:os';
import { renderTable } from '../../lib/table.ts';
import type { Measurement } from './measure.ts';

/** Versions and hardware the figures were measured on. */
export interface MachineDetails {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  elasticsearch: string;
  rsyslog: string;
  syslogNg: string;
  otelcol: string;
  kiln: string;
}

/** CPU model, core count and memory of this machine. */
export function hardware(): Pick<MachineDetails, 'cpuModel' | 'cores' | 'memoryGiB'> {
  const all = cpus();
  return {
    cpuModel: all[0]?.model.trim() ?? 'unknown',
    cores: all.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
  };
}

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round1 = (n: number) => Math.round(n * 10) / 10;

/** The first line of a problem, at most 160 characters, for a table cell. */
export function shortProblem(problem: string): string {
  const line = problem.split('\n')[0] ?? '';
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

/** Column names of the results table. */
export const resultHeader = [
  'shipper',
  'docs',
  'time s',
  'docs/s',
  'MiB/s',
  'shipper CPU s',
  'shipper peak RSS MiB',
  'collector CPU s',
  'collector peak RSS MiB',
  'ES CPU s',
  'crash: lost / doubled',
  'RSS MiB at 10k lines/s (peak / mean)',
] as const;

function crashCell(r: Measurement): string {
  if (r.crash === undefined) return '—';
  if (typeof r.crash === 'string') return `n/a (${r.crash})`;
  const cell = `${r.crash.lost} / ${r.crash.doubled}`;
  return r.crash.problem ? `${cell} (${shortProblem(r.crash.problem)})` : cell;
}

function steadyCell(r: Measurement): string {
  if (r.steady === undefined) return '—';
  if (typeof r.steady === 'string') return `n/a (${r.steady})`;
  const cell = `${mib(r.steady.peakRssBytes)} / ${mib(r.steady.meanRssBytes)}`;
  return r.steady.problem ? `${cell} (${shortProblem(r.steady.problem)})` : cell;
}

/** One table row per measurement (pure); an incomplete row says so in its docs cell. */
export function resultRows(rows: readonly Measurement[]): Array<Array<string | number>> {
  return rows.map((r) => {
    const complete = !r.problem;
    const seconds = r.seconds > 0 ? r.seconds : Number.NaN;
    return [
      r.name,
      complete
        ? r.deliveredDocs
        : `${r.deliveredDocs} of ${r.expectedDocs} (${shortProblem(r.problem ?? '')})`,
      round1(r.seconds),
      // An unfinished row still shows the rate of what did arrive (its docs cell says it is partial).
      r.deliveredDocs > 0 ? Math.round(r.deliveredDocs / seconds) : '—',
      r.deliveredDocs > 0 ? round1(mib((r.bytes * r.deliveredDocs) / r.expectedDocs) / seconds) : '—',
      round1(r.shipper.cpuSeconds),
      mib(r.shipper.peakRssBytes),
      r.collector ? round1(r.collector.cpuSeconds) : '—',
      r.collector ? mib(r.collector.peakRssBytes) : '—',
      r.esCpuSeconds === undefined ? '—' : round1(r.esCpuSeconds),
      crashCell(r),
      steadyCell(r),
    ];
  });
}

function machineLines(m: MachineDetails): string[] {
  return [
    `CPU: ${m.cpuModel}, ${m.cores} cores; memory ${m.memoryGiB} GiB`,
    `Node.js ${m.node}; Elasticsearch ${m.elasticsearch}; rsyslog ${m.rsyslog}; syslog-ng ${m.syslogNg}; OpenTelemetry Collector ${m.otelcol}; kiln ${m.kiln}`,
  ];
}

/** The table for the terminal (pure). */
export function renderTerminal(
  m: MachineDetails,
  data: { docs: number; bytes: number },
  rows: readonly Measurement[],
): string {
  return [
    ...machineLines(m),
    `Data: ${data.docs} lines, ${mib(data.bytes)} MiB`,
    '',
    renderTable(resultHeader, resultRows(rows)),
  ].join('\n');
}

/** The "Log shipping" section in Markdown (pure). */
export function renderSection(
  m: MachineDetails,
  data: { docs: number; bytes: number; files: number; command: string; date: string },
  rows: readonly Measurement[],
): string {
  const cell = (v: string | number) => String(v).replaceAll('|', '\\|');
  return [
    '## Log shipping',
    '',
    `Measured ${data.date} with \`${data.command}\` (see docs/benchmarks.md, "Benchmarks: log shipping").`,
    '',
    ...machineLines(m).map((l) => `- ${l}`),
    `- Data: ${data.docs} lines (${mib(data.bytes)} MiB) in ${data.files} files, half nginx combined access-log lines, half JSON application lines; one shipper at a time, each into its own index of the same single-node Elasticsearch.`,
    ...(data.bytes < 1024 ** 3
      ? [
          '- **Below the ≥ 1 GiB the issue asks for**: rerun with the default `--size-mib 1024` on a quiet machine for the reference figures.',
        ]
      : []),
    '',
    `| ${resultHeader.join(' | ')} |`,
    `|${resultHeader.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...resultRows(rows).map((r) => `| ${r.map(cell).join(' | ')} |`),
    '',
    'Settings each shipper got:',
    '',
    ...rows.map((r) => `- **${r.name}**: ${r.settings}`),
    '',
  ].join('\n');
}

/** Replaces the `## Log shipping` section of a Markdown document (or appends it), leaving the others alone (pure). */
export function replaceSection(document: string, section: string): string {
  const heading = '## Log shipping';
  const start = document.split('\n').findIndex((l) => l.trimEnd() === heading);
  const body = section.endsWith('\n') ? section : `${section}\n`;
  if (start < 0) {
    const base = document.trim() === '' ? '# Benchmark results\n' : document.trimEnd() + '\n';
    return `${base}\n${body}`;
  }
  const lines = document.split('\n');
  const next = lines.findIndex((l, i) => i > start && /^## /.test(l));
  const before = lines.slice(0, start).join('\n');
  const after = next < 0 ? '' : `\n${lines.slice(next).join('\n')}`;
  return `${before}${before ? '\n' : ''}${body}${after}`;
}
