import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { journalFieldMap } from '../../agent/sources/journald/event-builder.ts';
import { imjournalConf, LineCounter, visibleJournalFiles } from '../../bench/journald-rsyslog.ts';

const temp = () => mkdtempSync(join(tmpdir(), 'kiln-bench-imjournal-'));

describe('LineCounter', () => {
  it('counts only complete lines and reads only what was appended', () => {
    const file = join(temp(), 'out.json');
    const counter = new LineCounter(file);
    expect(counter.count()).toBe(0);
    writeFileSync(file, 'a\nb\nc\n');
    expect(counter.count()).toBe(3);
    appendFileSync(file, 'd\ne\npart');
    expect(counter.count()).toBe(5);
    appendFileSync(file, 'ial\n');
    expect(counter.count()).toBe(6);
  });

  it('counts a file larger than its 1 MiB read buffer', () => {
    const file = join(temp(), 'big.json');
    writeFileSync(file, '1234567\n'.repeat(300_000));
    expect(new LineCounter(file).count()).toBe(300_000);
  });
});

describe('visibleJournalFiles', () => {
  it('finds active and dirty journal files at any depth, and nothing else', () => {
    const root = temp();
    mkdirSync(join(root, 'log', 'remote'), { recursive: true });
    mkdirSync(join(root, 'log', '3d1219c7c4c5404aaa1f6d2a48adfda4'));
    writeFileSync(join(root, 'log', 'system.journal'), '');
    writeFileSync(join(root, 'log', 'remote', 'remote-web-1.journal'), '');
    writeFileSync(join(root, 'log', '3d1219c7c4c5404aaa1f6d2a48adfda4', 'user-1000@x.journal~'), '');
    writeFileSync(join(root, 'log', 'notes.txt'), '');
    expect(visibleJournalFiles([join(root, 'log'), join(root, 'missing')]).sort()).toEqual([
      join(root, 'log', '3d1219c7c4c5404aaa1f6d2a48adfda4', 'user-1000@x.journal~'),
      join(root, 'log', 'remote', 'remote-web-1.journal'),
      join(root, 'log', 'system.journal'),
    ]);
  });
});

describe('imjournalConf', () => {
  const conf = imjournalConf({ workDir: '/w', output: '/w/out.json' });

  it('gives every journal field the ECS name kiln gives it', () => {
    const pairs = [...conf.matchAll(/outname="([^"]+)" name="\$!([A-Z_]+)"/g)].map((m) => [m[2]!, m[1]!]);
    // kiln reads _BOOT_ID for the event's identity and writes it as host.boot.id.
    const kiln = (field: string) => (field === '_BOOT_ID' ? 'host.boot.id' : journalFieldMap[field]?.[0]);
    expect(pairs.map(([field]) => field)).toEqual([
      'PRIORITY',
      'SYSLOG_IDENTIFIER',
      '_PID',
      '_COMM',
      '_SYSTEMD_UNIT',
      '_TRANSPORT',
      '_BOOT_ID',
    ]);
    expect(pairs.map(([field]) => kiln(field!))).toEqual(pairs.map(([, outname]) => outname));
  });

  it('reads every journal from its start without a rate limit, and checkpoints every 2000 entries', () => {
    const module = /module\(load="imjournal"([^)]*)\)/.exec(conf)?.[1]?.replace(/\s+/g, ' ').trim();
    expect(module).toBe(
      'Remote="on" IgnorePreviousMessages="off" Ratelimit.Interval="0" StateFile="/w/imjournal.state" PersistStateInterval="2000"',
    );
  });
});
