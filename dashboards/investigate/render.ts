/** The story as text for the terminal: a headline, then one section per part of the story. */
import { renderTable } from '../../lib/table.ts';
import { readPath } from '../es-request.ts';
import type { Doc, InstanceStory } from './story.ts';

const s = (doc: Doc | undefined, path: string): string => {
  const v = doc ? readPath(doc, path) : null;
  return v === null || v === undefined ? '-' : String(v);
};

function headline(story: InstanceStory): string[] {
  const r = story.registry;
  if (!r) return [`Instance ${story.instanceId} (not in the registry; showing the events found)`];
  return [
    `Instance ${story.instanceId}: ${s(r, 'kiln.status')}${r && readPath(r, 'kiln.status_reason') ? ` (${s(r, 'kiln.status_reason')})` : ''}`,
    `  image ${s(r, 'cloud.image.id')}  bake ${s(r, 'kiln.bake.id')}  host ${s(r, 'host.name')}  group ${s(r, 'kiln.group')}`,
    `  last seen ${s(r, 'kiln.last_seen')}  drift ${s(r, 'kiln.drift.state')} (${s(r, 'kiln.drift.count')} changes)`,
  ];
}

function section(title: string, body: string): string[] {
  return ['', title, ...body.split('\n').map((line) => `  ${line}`)];
}

/** Renders the whole story. */
export function renderStory(story: InstanceStory): string {
  const out = headline(story);
  if (story.facts.length > 0) {
    out.push(
      ...section(
        `Boot facts (${story.facts.length})`,
        renderTable(
          ['boot time', 'boot id', 'host', 'image', 'bake', 'image name', 'os'],
          story.facts.map((f) => [
            s(f, 'kiln.boot_time'),
            s(f, 'host.boot.id'),
            s(f, 'host.name'),
            s(f, 'cloud.image.id'),
            s(f, 'kiln.bake.id'),
            `${s(f, 'kiln.image.name')} ${s(f, 'kiln.image.version')}`,
            s(f, 'host.os.full'),
          ]),
        ),
      ),
    );
  }
  if (story.causes.length > 0) {
    const body = story.causes.flatMap((c) => [
      `${c.at}  ${c.what.padEnd(24)} ${c.source}: ${c.message}`,
      ...c.context.map(
        (l) =>
          `    ${l.message === c.message && l.at === c.at ? '>' : ' '} ${l.at} ${l.source}: ${l.message}`,
      ),
    ]);
    out.push(...section('Likely cause (latest of each kind, with the lines around it)', body.join('\n')));
  }
  out.push(
    ...section(
      'Timeline',
      story.timeline.length > 0
        ? story.timeline.map((e) => `${e.at}  ${e.phase.padEnd(9)} ${e.text}`).join('\n')
        : '(nothing with a time)',
    ),
  );
  if (story.drift.total > 0) {
    out.push(
      ...section(
        `Drift (${story.drift.total})`,
        renderTable(
          ['time', 'change', 'category', 'what', 'before', 'after'],
          story.drift.events.map((d) => [
            s(d, '@timestamp'),
            s(d, 'kiln.drift.change'),
            s(d, 'kiln.drift.category'),
            s(d, 'kiln.drift.path') !== '-' ? s(d, 'kiln.drift.path') : s(d, 'package.name'),
            s(d, 'kiln.drift.before'),
            s(d, 'kiln.drift.after'),
          ]),
        ),
      ),
    );
  }
  if (story.decisions.length > 0) {
    out.push(
      ...section(
        `Decisions (${story.decisions.length})`,
        renderTable(
          ['time', 'outcome', 'trigger', 'reason', 'action', 'dry run'],
          story.decisions.map((d) => [
            s(d, '@timestamp'),
            s(d, 'kiln.decision.outcome'),
            s(d, 'kiln.decision.trigger'),
            s(d, 'kiln.decision.reason'),
            s(d, 'kiln.decision.action'),
            s(d, 'kiln.decision.dry_run'),
          ]),
        ),
      ),
    );
  }
  if (story.completeness.length > 0) {
    out.push(
      ...section(
        'Shutdown completeness',
        renderTable(
          ['file or journal', 'shipped', 'size or read', 'complete'],
          story.completeness.map((c) => [
            c.file,
            c.bytesShipped ?? '-',
            c.fileSize ?? '-',
            String(c.complete ?? '-'),
          ]),
        ),
      ),
    );
  }
  out.push(
    ...section(
      `Last ${story.logs.lines.length} log lines (of ${story.logs.total})`,
      story.logs.lines.length > 0
        ? story.logs.lines.map((l) => `${l.at} ${l.file}: ${l.message}`).join('\n')
        : '(no log lines)',
    ),
  );
  return `${out.join('\n')}\n`;
}
