import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../collector/policy/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-policy-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('loadPolicy', () => {
  it('loads the example policy with its defaults', () => {
    const policy = loadPolicy('examples/policy.yaml');
    expect(policy).toMatchObject({
      name: 'web-fleet',
      maxAge: 7 * 86_400_000,
      spreadPercent: 10,
      onDrift: { action: 'replace', gracePeriod: 3_600_000 },
      silence: { after: 900_000, replace: false },
      action: { type: 'aws-asg', region: 'eu-central-1' },
      safety: {
        maxConcurrent: 2,
        maxConcurrentPerGroup: 1,
        minHealthyShare: 0.9,
        windows: [
          { days: ['mon', 'tue', 'wed', 'thu'], timeZone: 'Europe/Berlin', startMinute: 120, endMinute: 300 },
        ],
        order: 'oldest-first',
      },
      retry: { attempts: 3, backoff: 5000 },
      successorTimeout: 1_800_000,
      killSwitch: false,
      dryRun: true,
    });
  });

  it.each([
    [
      'an unknown key',
      'name: p\nmaxAge: 7d\nmaxage: 8d\naction: {type: notify}\n',
      'p.yaml: maxage: unknown key',
    ],
    [
      'a bad duration',
      'name: p\nmaxAge: seven days\naction: {type: notify}\n',
      'p.yaml: maxAge: expected a duration such as 30s, 10m, 12h or 7d',
    ],
    [
      'a bad-image share over 1',
      'name: p\nonBadImage: {when: {share: 2}}\naction: {type: aws-asg}\n',
      'p.yaml: onBadImage.when.share: expected a share between 0 and 1, e.g. 0.2',
    ],
    [
      'a rollback with no way to point groups back',
      'name: p\nonBadImage: {action: rollback}\naction: {type: notify}\n',
      'p.yaml: onBadImage.command: expected action.type aws-asg, or onBadImage.command for groups another tool owns (onBadImage.action rollback points the groups back to the previous image)',
    ],
    [
      'no trigger',
      'name: p\naction: {type: notify}\n',
      'p.yaml: (top level): expected at least one trigger: maxAge, onDrift, silence or onBadImage',
    ],
    [
      'a bad time zone',
      'name: p\nmaxAge: 7d\naction: {type: notify}\nsafety: {windows: [{hours: "02:00-05:00", timeZone: Mars/Olympus}]}\n',
      'p.yaml: safety.windows.0.timeZone: expected an IANA time zone such as Europe/Berlin',
    ],
    [
      'bad hours',
      'name: p\nmaxAge: 7d\naction: {type: notify}\nsafety: {windows: [{hours: "2-5"}]}\n',
      'p.yaml: safety.windows.0.hours: expected HH:MM-HH:MM, e.g. 02:00-05:00',
    ],
    [
      'an unknown action',
      'name: p\nmaxAge: 7d\naction: {type: repair}\n',
      'p.yaml: action.type: expected one of aws-asg, aws-ec2-terminate, webhook, command, notify (kiln never repairs in place)',
    ],
    [
      'a webhook without secret',
      'name: p\nmaxAge: 7d\naction: {type: webhook, webhook: {url: "http://127.0.0.1:1/x"}}\n',
      'p.yaml: action.webhook: expected exactly one of secretEnv or secretFile (the HMAC secret)',
    ],
    [
      'a share above 1',
      'name: p\nmaxAge: 7d\naction: {type: notify}\nsafety: {minHealthyShare: 90}\n',
      'p.yaml: safety.minHealthyShare: expected a share between 0 and 1, e.g. 0.9',
    ],
  ])('names file, key and expectation for %s', (_name, text, message) => {
    const path = file('p.yaml', text);
    expect(() => loadPolicy(path)).toThrow(
      expect.objectContaining({
        code: 'KILN_ERR_CONFIG',
        message: expect.stringMatching(new RegExp(`^${escapeRegExp(message.replace('p.yaml', path))}`)),
      }),
    );
  });
});
