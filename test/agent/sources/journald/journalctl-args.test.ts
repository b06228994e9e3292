import { describe, expect, it } from 'vitest';
import { journaldInputSchema } from '../../../../agent/sources/journald/config.ts';
import { journalctlArgs, journalMatches } from '../../../../agent/sources/journald/journalctl-args.ts';

const input = (raw: Record<string, unknown>) => journaldInputSchema.parse(raw);

describe('journalctl arguments', () => {
  it('reads the system journal in export format after the cursor, following', () => {
    expect(
      journalctlArgs(input({ all: true }), { cursor: 's=a;i=9' }, { follow: true, applicationUnits: [] }),
    ).toEqual([
      '--output=export',
      '--no-pager',
      '--quiet',
      '--utc',
      '--system',
      '--priority=0..6',
      '--after-cursor=s=a;i=9',
      '--follow',
      '--no-tail',
    ]);
  });

  it('reads a directory, user journals and debug when asked, from the head, once', () => {
    const args = journalctlArgs(
      input({ all: true, directory: '/tmp/j', userJournals: true, priority: 'debug' }),
      'head',
      { follow: false, applicationUnits: [] },
    );
    expect(args).toEqual([
      '--output=export',
      '--no-pager',
      '--quiet',
      '--utc',
      '--directory=/tmp/j',
      '--priority=0..7',
    ]);
  });

  it('ORs the defaults, the application units and the configured filters into one match expression', () => {
    const matches = journalMatches(input({ units: ['worker.service'], identifiers: ['nginx'] }), [
      'shop.service',
    ]);
    const terms = matches.filter((m) => m !== '+');
    expect(matches.filter((m) => m === '+')).toHaveLength(terms.length - 1);
    expect(terms[0]).toBe('_TRANSPORT=kernel');
    for (const unit of ['ssh.service', 'cloud-init.service', 'shop.service', 'worker.service']) {
      expect(terms).toEqual(
        expect.arrayContaining([`_SYSTEMD_UNIT=${unit}`, `UNIT=${unit}`, `COREDUMP_UNIT=${unit}`]),
      );
    }
    expect(terms).toEqual(
      expect.arrayContaining([
        'SYSLOG_IDENTIFIER=systemd',
        'SYSLOG_IDENTIFIER=sshd',
        'SYSLOG_IDENTIFIER=nginx',
      ]),
    );
  });

  it('reads only the configured unit without the defaults', () => {
    expect(journalMatches(input({ defaults: false, units: ['app.service'] }), ['shop.service'])).toEqual([
      '_SYSTEMD_UNIT=app.service',
      '+',
      'UNIT=app.service',
      '+',
      'COREDUMP_UNIT=app.service',
    ]);
  });

  it('rejects unknown keys and a bad id', () => {
    expect(() => input({ unit: 'x' })).toThrow();
    expect(() => input({ id: 'Has Space' })).toThrow();
  });
});
