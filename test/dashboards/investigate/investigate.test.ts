/**
 * `kiln investigate` on the seeded fleet (test/dashboards/fleet-seed.ts) in the real cluster:
 * the dead instance's timeline in order, its drift, decisions and last log lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { investigateInstance } from '../../../dashboards/investigate/index.ts';
import { dropPrefix, testEsClient, testEsUrl, uniqueNames } from '../../support/es.ts';
import { deadLastSeen, seedFleet } from '../fleet-seed.ts';
import { runKiln } from '../run-kiln.ts';

const client = testEsClient();
const names = uniqueNames('inv');
const es = () => ['--es-url', testEsUrl(), '--index-prefix', names.prefix];

beforeAll(async () => {
  await seedFleet(client, names);
});
afterAll(async () => {
  await dropPrefix(client, names);
  await client.close();
});

describe('kiln investigate', () => {
  it('prints the dead instance timeline in order, then its last log lines', async () => {
    const run = await runKiln(['investigate', 'i-dead', '--lines', '3', ...es()]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out.split('\n')[0]).toBe('Instance i-dead: silent (no heartbeat for 15m)');
    const timeline = out.slice(out.indexOf('\nTimeline\n') + 10, out.indexOf('\nDrift (3)'));
    const phases = timeline
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[1]);
    expect(phases).toEqual([
      'bake',
      'launch',
      'boot',
      'start',
      'drift',
      'drift',
      'drift',
      'boot',
      'start',
      'heartbeat',
      'log',
      'silence',
      'decision',
    ]);
    expect(timeline).toContain('bake b-2 succeeded (web 1.1) → ami-222');
    expect(timeline).toContain('drift: added file /usr/local/bin/miner');
    expect(timeline).toContain(
      `went silent: no heartbeat since ${new Date(deadLastSeen).toISOString()} (no heartbeat for 15m)`,
    );
    expect(timeline).toContain('decision taken: replace (trigger silence, reason silent_too_long)');
    expect(out).toContain('\nDecisions (1)\n');
    const logs = out.slice(out.indexOf('Last 3 log lines (of 30)')).trim().split('\n').slice(1);
    expect(logs.map((l) => l.trim())).toEqual([
      `${new Date(deadLastSeen - 2000).toISOString()} /var/log/app.log: GET /item/27 200`,
      `${new Date(deadLastSeen - 1000).toISOString()} /var/log/app.log: GET /item/28 200`,
      `${new Date(deadLastSeen).toISOString()} /var/log/app.log: panic: runtime: out of memory`,
    ]);
  });

  it('--json gives the story as data, with --since limiting the log lines', async () => {
    const since = new Date(deadLastSeen - 4500).toISOString();
    const run = await runKiln(['investigate', 'i-dead', '--json', '--since', since, ...es()]);
    expect(run.code).toBe(0);
    const story = JSON.parse(run.stdout);
    expect(story.logs.total).toBe(5);
    expect(story.logs.lines.map((l: { message: string }) => l.message).at(-1)).toBe(
      'panic: runtime: out of memory',
    );
    expect(story.heartbeats.count).toBe(7);
    expect(story.drift.total).toBe(3);
    expect(story.facts).toHaveLength(2);
    expect(story.registry.kiln.status).toBe('silent');
  });

  it('reports the shutdown completeness of the replaced instance', async () => {
    const story = await investigateInstance(client, names, 'i-old');
    expect(story.completeness.map((c) => [c.file, c.bytesShipped, c.fileSize, c.complete])).toEqual([
      ['/var/log/app.log', 1000, 1000, true],
      ['/var/log/syslog', 800, 900, false],
    ]);
    expect(story.timeline.find((e) => e.phase === 'shutdown')?.text).toBe(
      'agent shut down (SIGTERM): 1 of 2 files and journals shipped completely',
    );
  });

  it('fails in one line for an instance it knows nothing about', async () => {
    const run = await runKiln(['investigate', 'i-nope', ...es()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `kiln: no data about instance i-nope in the ${names.prefix}-* indices; check the id (kiln fleet lists instances) and --index-prefix\n`,
    );
  });
});
