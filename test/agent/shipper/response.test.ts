import { describe, expect, it } from 'vitest';
import { classifyBatchResponse } from '../../../agent/shipper/response.ts';

const now = Date.UTC(2026, 10, 22, 12);
const ids = ['a', 'b', 'c', 'd'];

describe('classifyBatchResponse', () => {
  it('splits a BatchResult into durable and failed; ids it does not name are failed', () => {
    const body = JSON.stringify({
      stored: ['a'],
      duplicates: ['b'],
      deadLettered: [{ id: 'c', reason: 'mapper_parsing_exception' }],
      failed: [],
    });
    const outcome = classifyBatchResponse(200, undefined, body, ids, now);
    expect(outcome).toEqual({ kind: 'result', durable: new Set(['a', 'b', 'c']), failed: new Set(['d']) });
  });

  it('reads a compact answer: every event it covers but the failed ones is durable', () => {
    const body = JSON.stringify({
      events: 4,
      storedCount: 2,
      duplicateCount: 0,
      deadLettered: [{ id: 'c', reason: 'mapper_parsing_exception' }],
      failed: [{ id: 'd', reason: 'Elasticsearch unavailable' }],
    });
    const outcome = classifyBatchResponse(200, undefined, body, ids, now);
    expect(outcome).toEqual({ kind: 'result', durable: new Set(['a', 'b', 'c']), failed: new Set(['d']) });
  });

  it('believes nothing in a compact answer that covers another number of events, and sends it all again', () => {
    const body = JSON.stringify({
      events: 3,
      storedCount: 3,
      duplicateCount: 0,
      deadLettered: [],
      failed: [],
    });
    expect(classifyBatchResponse(200, undefined, body, ids, now)).toEqual({
      kind: 'retry',
      afterMs: undefined,
      reason: "the collector's answer covers 3 events, not the 4 sent",
    });
  });

  const cases: Array<[string, number, string | undefined, string, unknown]> = [
    ['401 means enroll again', 401, undefined, '{}', { kind: 'unauthorized' }],
    [
      '413 splits the batch',
      413,
      undefined,
      '{"error":{"code":"too_large","reason":"send smaller batches"}}',
      { kind: 'split', reason: '413 send smaller batches' },
    ],
    [
      '400 splits the batch',
      400,
      undefined,
      '{"error":{"reason":"line 3: bad"}}',
      { kind: 'split', reason: '400 line 3: bad' },
    ],
    ['503 honours Retry-After seconds', 503, '7', '{}', { kind: 'retry', afterMs: 7000, reason: '503 {}' }],
    [
      '429 honours an HTTP-date Retry-After',
      429,
      new Date(now + 3000).toUTCString(),
      'busy',
      { kind: 'retry', afterMs: 3000, reason: '429 busy' },
    ],
    [
      '500 is retried with backoff',
      500,
      '9',
      'oops',
      { kind: 'retry', afterMs: undefined, reason: '500 oops' },
    ],
    [
      '200 that is not JSON is retried',
      200,
      undefined,
      '<html>',
      {
        kind: 'retry',
        afterMs: undefined,
        reason: 'the collector answered 200 with a body that is not JSON',
      },
    ],
  ];
  for (const [name, status, retryAfter, body, expected] of cases) {
    it(name, () => expect(classifyBatchResponse(status, retryAfter, body, ids, now)).toEqual(expected));
  }
});
