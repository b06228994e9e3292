import { describe, expect, it } from 'vitest';
import { compareCounts } from '../../../bench/shipping/crash.ts';
import { parseBenchOptions } from '../../../bench/shipping/options.ts';
import { otelcolConfig } from '../../../bench/shipping/peers/otelcol.ts';
import { resultRows } from '../../../bench/shipping/report.ts';

const counts = (entries: Array<[string, number]>) => new Map(entries);

describe('compareCounts', () => {
  it('counts a line stored fewer times than written as lost, more times as doubled', () => {
    const written = counts([
      ['a', 1],
      ['b', 2],
      ['c', 1],
    ]);
    const stored = counts([
      ['a', 3],
      ['b', 1],
      ['x', 1],
    ]);
    // a: 2 doubled; b: 1 lost; c: 1 lost; x was never written: 1 doubled.
    expect(compareCounts(written, stored)).toEqual({ lost: 2, doubled: 3 });
  });

  it('is 0 / 0 when every line is stored exactly as often as written', () => {
    const written = counts([
      ['a', 1],
      ['b', 2],
    ]);
    expect(compareCounts(written, new Map(written))).toEqual({ lost: 0, doubled: 0 });
  });
});

describe('the benchmark options of issue 11', () => {
  it('defaults to a 1 000 000-document warm-up, a 64 MiB crash set, 60 s at 10 000 lines/s, and the first shipper again', () => {
    const o = parseBenchOptions([]);
    expect(o.only).toEqual(['kiln', 'bulk', 'rsyslog', 'syslog-ng', 'otelcol', 'kiln-alone']);
    expect([o.warmUpDocs, o.crashMib, o.steadySeconds, o.repeatFirst]).toEqual([1_000_000, 64, 60, true]);
    const off = parseBenchOptions(['--crash-mib', '0', '--steady-seconds', '0', '--no-repeat-first']);
    expect([off.crashMib, off.steadySeconds, off.repeatFirst]).toEqual([0, 0, false]);
    expect(() => parseBenchOptions(['--crash-mib=-3'])).toThrow(
      '--crash-mib expects a positive number, got "-3"',
    );
  });
});

describe('otelcolConfig', () => {
  it('sizes the persistent sending queue in items and checkpoints filelog in file_storage', () => {
    const yaml = otelcolConfig({
      logGlob: '/l/*.log',
      storageDir: '/s',
      esUrl: 'http://127.0.0.1:9200',
      index: 'i',
    });
    for (const line of [
      '    storage: file_storage',
      '      sizer: items',
      '      queue_size: 100000',
      '      allowed_modes: [raw]',
      '    logs_index: i',
      '    include: ["/l/*.log"]',
    ]) {
      expect(yaml.split('\n')).toContain(line);
    }
  });
});

describe('resultRows', () => {
  it('shows the crash and steady cells, and n/a with the reason where they do not apply', () => {
    const base = {
      settings: '',
      expectedDocs: 10,
      deliveredDocs: 10,
      seconds: 1,
      bytes: 1024 * 1024,
      shipper: { cpuSeconds: 1, peakRssBytes: 1024 * 1024 },
    };
    const [kiln, bulk] = resultRows([
      {
        ...base,
        name: 'kiln',
        crash: { killedAtDocs: 4, lost: 0, doubled: 0 },
        steady: {
          linesPerSecond: 10_000,
          seconds: 60,
          peakRssBytes: 64 * 1024 * 1024,
          meanRssBytes: 60 * 1024 * 1024,
          cpuSeconds: 5,
          written: 600_000,
          delivered: 600_000,
        },
      },
      { ...base, name: 'bulk', crash: 'no checkpoints', steady: 'reads files once' },
    ]);
    expect(kiln!.slice(-2)).toEqual(['0 / 0', '64 / 60']);
    expect(bulk!.slice(-2)).toEqual(['n/a (no checkpoints)', 'n/a (reads files once)']);
  });
});
