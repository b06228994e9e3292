/**
 * Issue 3's end-to-end guarantees, with real processes: the bundled agent (dist/kiln-agent.js)
 * and collector (dist/kiln.js) as children, against the real Elasticsearch. Every test checks
 * exact document counts and contents: nothing lost, nothing doubled.
 */
import { appendFileSync, copyFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupStorage } from '../../collector/storage/setup.ts';
import { countDocs, dropPrefix, testEsClient, testEsUrl, uniqueNames } from '../support/es.ts';
import {
  countLogs,
  messagesOf,
  type Proc,
  prepareAgent,
  startAgent,
  startCollector,
  waitFor,
  writeAgentConfig,
} from './harness.ts';

const client = testEsClient();
const names = uniqueNames('e2e');
let collector: Awaited<ReturnType<typeof startCollector>>;
const running: Proc[] = [];

function lines(prefix: string, from: number, count: number): string {
  let out = '';
  for (let i = from; i < from + count; i++)
    out += `2026-11-22T10:00:00.000Z ${prefix} line ${i} GET /api/items/${i} 200\n`;
  return out;
}

function expectExactlyOnce(messages: string[], expected: number): void {
  expect(messages).toHaveLength(expected);
  expect(new Set(messages).size).toBe(expected);
}

beforeAll(async () => {
  await setupStorage(client, names);
  collector = await startCollector(testEsUrl(), names);
  running.push(collector);
});

afterAll(async () => {
  for (const p of running) await p.kill('SIGKILL');
  await dropPrefix(client, names);
  await client.close();
});

describe('shipping end to end', () => {
  it('ships 100 000 lines across several files, multiline grouped, exactly once', async () => {
    const dirs = await prepareAgent(client, names, 'bulk');
    for (const n of [1, 2, 3])
      writeFileSync(join(dirs.logs, `access-${n}.log`), lines(`access${n}`, 0, 25_000));
    // 25 000 lines in 10 000 events: every event is a first line followed by a stack trace.
    let trace = '';
    for (let i = 0; i < 5000; i++)
      trace += `2026-11-22T10:00:01.000Z ERROR job ${i} failed\n  at step one\n  at step two\n  at step three\n  at step four\n`;
    writeFileSync(join(dirs.logs, 'trace.log'), trace);
    writeFileSync(join(dirs.logs, 'ignored.gz'), 'not a log');
    writeAgentConfig(dirs, collector.url, 'i-bulk', [
      { include: [join(dirs.logs, 'access-*.log')] },
      {
        include: [join(dirs.logs, 'trace.log')],
        multiline: { startPattern: '^\\d{4}-\\d{2}-\\d{2}T', timeoutMs: 300 },
      },
    ]);
    const agent = startAgent(dirs);
    running.push(agent);
    await waitFor('80 000 events', async () => (await countLogs(client, names, 'i-bulk')) >= 80_000, 240_000);
    await agent.kill('SIGTERM');
    for (const n of [1, 2, 3]) {
      expect(await countLogs(client, names, 'i-bulk', join(dirs.logs, `access-${n}.log`))).toBe(25_000);
    }
    const traces = await messagesOf(client, names, 'i-bulk', join(dirs.logs, 'trace.log'));
    expectExactlyOnce(traces, 5000);
    expect(traces[0]).toBe(
      '2026-11-22T10:00:01.000Z ERROR job 0 failed\n  at step one\n  at step two\n  at step three\n  at step four',
    );
    expect(await countLogs(client, names, 'i-bulk')).toBe(80_000);
  });

  it('loses nothing and doubles nothing when the collector is killed for 30 s', async () => {
    const dirs = await prepareAgent(client, names, 'colkill');
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, lines('ck', 0, 5000));
    writeAgentConfig(dirs, collector.url, 'i-colkill', [{ include: [file] }]);
    const agent = startAgent(dirs);
    running.push(agent);
    await waitFor('first lines', async () => (await countLogs(client, names, 'i-colkill')) > 0);
    await collector.kill('SIGKILL');
    for (let i = 1; i <= 10; i++) {
      appendFileSync(file, lines('ck', i * 5000, 5000));
      await new Promise((r) => setTimeout(r, 3000));
    }
    collector = await startCollector(testEsUrl(), names, collector.port);
    running.push(collector);
    await waitFor(
      '55 000 lines',
      async () => (await countLogs(client, names, 'i-colkill')) >= 55_000,
      120_000,
    );
    await agent.kill('SIGTERM');
    expectExactlyOnce(await messagesOf(client, names, 'i-colkill'), 55_000);
  });

  it('resumes from its checkpoints after SIGKILL mid-batch, with no loss and no duplicate', async () => {
    const dirs = await prepareAgent(client, names, 'agentkill');
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, lines('ak', 0, 60_000));
    writeAgentConfig(dirs, collector.url, 'i-agentkill', [{ include: [file] }], {
      shipping: { batchMaxEvents: 500, flushIntervalMs: 200 },
    });
    const first = startAgent(dirs);
    running.push(first);
    await waitFor('some lines', async () => (await countLogs(client, names, 'i-agentkill')) > 2000, 120_000);
    await first.kill('SIGKILL');
    expect(await countLogs(client, names, 'i-agentkill')).toBeLessThan(60_000);
    const second = startAgent(dirs);
    running.push(second);
    await waitFor(
      '60 000 lines',
      async () => (await countLogs(client, names, 'i-agentkill')) >= 60_000,
      180_000,
    );
    await second.kill('SIGTERM');
    expectExactlyOnce(await messagesOf(client, names, 'i-agentkill'), 60_000);
  });

  it('follows rename and copytruncate rotation under writing, also while the collector is down', async () => {
    const dirs = await prepareAgent(client, names, 'rotate');
    const renamed = join(dirs.logs, 'renamed.log');
    const copied = join(dirs.logs, 'copied.log');
    writeAgentConfig(dirs, collector.url, 'i-rotate', [
      { include: [join(dirs.logs, 'renamed.log*'), join(dirs.logs, 'copied.log*')] },
    ]);
    const agent = startAgent(dirs);
    running.push(agent);
    let n = 0;
    const write = (count: number) => {
      appendFileSync(renamed, lines('rn', n, count));
      appendFileSync(copied, lines('ct', n, count));
      n += count;
    };
    const rotate = (round: number) => {
      renameSync(renamed, `${renamed}.${round}`);
      copyFileSync(copied, `${copied}.${round}`);
      truncateSync(copied, 0);
    };
    for (let round = 1; round <= 2; round++) {
      write(2000);
      await new Promise((r) => setTimeout(r, 1000));
      write(1000);
      rotate(round);
      write(500);
    }
    await collector.kill('SIGKILL');
    write(1000);
    rotate(3);
    write(1000);
    collector = await startCollector(testEsUrl(), names, collector.port);
    running.push(collector);
    await waitFor(
      'all rotated lines',
      async () => (await countLogs(client, names, 'i-rotate')) >= 2 * n,
      120_000,
    );
    await agent.kill('SIGTERM');
    const messages = await messagesOf(client, names, 'i-rotate');
    expectExactlyOnce(messages, 2 * n);
  });

  it('treats a new file at a reused inode as new after delete + create', async () => {
    const dirs = await prepareAgent(client, names, 'inode');
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, lines('first', 0, 300));
    writeAgentConfig(dirs, collector.url, 'i-inode', [{ include: [file] }]);
    const agent = startAgent(dirs);
    running.push(agent);
    await waitFor('first file', async () => (await countLogs(client, names, 'i-inode')) >= 300);
    rmSync(file);
    writeFileSync(file, lines('second', 0, 200));
    await waitFor('second file', async () => (await countLogs(client, names, 'i-inode')) >= 500);
    await agent.kill('SIGTERM');
    const messages = await messagesOf(client, names, 'i-inode');
    expectExactlyOnce(messages, 500);
    expect(messages.filter((m) => m.includes(' second line '))).toHaveLength(200);
  });

  it('truncates and flags a 5 MiB line, replaces invalid UTF-8, and keeps going', async () => {
    const dirs = await prepareAgent(client, names, 'odd');
    const file = join(dirs.logs, 'odd.log');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from('before\n'),
        Buffer.from(`${'x'.repeat(5 * 1024 * 1024)}\n`),
        Buffer.from('bad \xff\xfe bytes\n', 'latin1'),
        Buffer.from('after\n'),
      ]),
    );
    writeAgentConfig(dirs, collector.url, 'i-odd', [{ include: [file], maxLineBytes: 1024 * 1024 }]);
    const agent = startAgent(dirs);
    running.push(agent);
    await waitFor('4 events', async () => (await countLogs(client, names, 'i-odd')) >= 4);
    await agent.kill('SIGTERM');
    await client.indices.refresh({ index: names.pattern('logs') });
    const result = await client.search<Record<string, any>>({
      index: names.pattern('logs'),
      query: { term: { 'cloud.instance.id': 'i-odd' } },
      sort: [{ 'log.offset': 'asc' }],
      size: 10,
    });
    const docs = result.hits.hits.map((h) => h._source!);
    expect(docs).toHaveLength(4);
    expect(docs[0]!.message).toBe('before');
    expect(docs[1]!.kiln.log.truncated).toBe(true);
    expect(docs[1]!.message.length).toBeLessThanOrEqual(1024 * 1024);
    expect(docs[1]!.message.startsWith('xxxx')).toBe(true);
    expect(docs[2]!.message).toBe('bad \uFFFD\uFFFD bytes');
    expect(docs[2]!.kiln.log.invalid_utf8).toBe(true);
    expect(docs[3]!.message).toBe('after');
    expect(docs[3]!.log.offset).toBe(7 + 5 * 1024 * 1024 + 1 + 13);
  });

  it('refuses an agent with a wrong enrollment token: it exits non-zero and nothing is indexed', async () => {
    const dirs = await prepareAgent(client, names, 'badtoken');
    writeFileSync(dirs.tokenFile, 'kiln_enr_not-a-real-token');
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, lines('bad', 0, 10));
    writeAgentConfig(dirs, collector.url, 'i-badtoken', [{ include: [file] }]);
    const agent = startAgent(dirs);
    running.push(agent);
    const code = await Promise.race([
      agent.exited,
      new Promise<number>((r) => setTimeout(() => r(-99), 30_000)),
    ]);
    if (code === -99) await agent.kill('SIGTERM');
    expect(code).not.toBe(0);
    expect(agent.output()).toMatch(/enrollment token/i);
    expect(await countLogs(client, names, 'i-badtoken')).toBe(0);
  });

  it('on SIGTERM ships every line written before the signal and reports completeness', async () => {
    const dirs = await prepareAgent(client, names, 'sigterm');
    const files = [join(dirs.logs, 'a.log'), join(dirs.logs, 'b.log')];
    writeAgentConfig(dirs, collector.url, 'i-sigterm', [{ include: [join(dirs.logs, '*.log')] }], {
      shutdown: { deadlineMs: 60_000 },
    });
    const agent = startAgent(dirs);
    running.push(agent);
    await waitFor('agent started', () => agent.output().length > 0, 30_000);
    writeFileSync(files[0]!, lines('ta', 0, 30_000));
    writeFileSync(files[1]!, lines('tb', 0, 30_000));
    const code = await agent.kill('SIGTERM');
    expect(code).toBe(0);
    expect(await countLogs(client, names, 'i-sigterm', files[0])).toBe(30_000);
    expect(await countLogs(client, names, 'i-sigterm', files[1])).toBe(30_000);
    await client.indices.refresh({ index: names.pattern('lifecycle'), allow_no_indices: true });
    const completeness = await client.search<Record<string, any>>({
      index: names.pattern('lifecycle'),
      query: {
        bool: {
          filter: [
            { term: { 'cloud.instance.id': 'i-sigterm' } },
            { exists: { field: 'kiln.completeness.file' } },
          ],
        },
      },
      size: 10,
    });
    const report = completeness.hits.hits
      .map((h) => h._source!.kiln.completeness)
      .sort((a, b) => a.file.localeCompare(b.file));
    expect(report).toEqual([
      {
        file: files[0],
        bytes_shipped: Buffer.byteLength(lines('ta', 0, 30_000)),
        file_size: Buffer.byteLength(lines('ta', 0, 30_000)),
        complete: true,
      },
      {
        file: files[1],
        bytes_shipped: Buffer.byteLength(lines('tb', 0, 30_000)),
        file_size: Buffer.byteLength(lines('tb', 0, 30_000)),
        complete: true,
      },
    ]);
    expect(await countDocs(client, names.pattern('deadletter'))).toBe(0);
  });
});
