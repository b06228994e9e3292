/**
 * The demo instances' systemd journals. The demo machine may run no journald (a container, a
 * laptop), so each instance gets a real journal file made the way the tests make theirs:
 * export-format entries (https://systemd.io/JOURNAL_EXPORT_FORMATS/) written by
 * `systemd-journal-remote`, read by the agent through `journalctl --directory`. Its story:
 * boot, cloud-init, sshd, the application; the shop instance's application is then killed by
 * the kernel's OOM killer and its unit fails, which `kiln investigate` shows as the likely cause.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const journalRemote = ['/lib/systemd/systemd-journal-remote', '/usr/lib/systemd/systemd-journal-remote'].find(
  (p) => existsSync(p),
);

type Fields = Record<string, string | number>;

function exportOf(entries: Fields[]): string {
  return entries
    .map(
      (e) =>
        `${Object.entries(e)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n\n`,
    )
    .join('');
}

/** One instance's journal lines: `[seconds after boot, fields]`. */
function story(instanceId: string, app: string, oom: boolean): Array<[number, Fields]> {
  const kernel = { _TRANSPORT: 'kernel', SYSLOG_IDENTIFIER: 'kernel', SYSLOG_FACILITY: 0 };
  const pid1 = { _TRANSPORT: 'journal', SYSLOG_IDENTIFIER: 'systemd', _PID: 1, _SYSTEMD_UNIT: 'init.scope' };
  const unit = `${app}.service`;
  const appLine = {
    _TRANSPORT: 'stdout',
    SYSLOG_IDENTIFIER: app,
    _SYSTEMD_UNIT: unit,
    _PID: 812,
    _COMM: app,
  };
  const lines: Array<[number, Fields]> = [
    [
      0,
      {
        ...kernel,
        PRIORITY: 5,
        MESSAGE: 'Linux version 6.1.0-18-cloud-amd64 (debian-kernel@lists.debian.org)',
      },
    ],
    [2, { ...pid1, PRIORITY: 6, MESSAGE: 'Journal started' }],
    [
      6,
      {
        _TRANSPORT: 'stdout',
        SYSLOG_IDENTIFIER: 'cloud-init',
        _SYSTEMD_UNIT: 'cloud-init.service',
        PRIORITY: 6,
        MESSAGE: `Cloud-init v. 23.1.1 running 'init' at boot; instance ${instanceId}`,
      },
    ],
    [
      9,
      {
        _TRANSPORT: 'syslog',
        SYSLOG_IDENTIFIER: 'sshd',
        _SYSTEMD_UNIT: 'ssh.service',
        _PID: 640,
        PRIORITY: 6,
        MESSAGE: 'Server listening on 0.0.0.0 port 22.',
      },
    ],
    [11, { ...pid1, PRIORITY: 6, UNIT: unit, MESSAGE: `Started ${unit} - the ${app} application.` }],
    [12, { ...appLine, PRIORITY: 6, MESSAGE: `${app} listening on :8080` }],
  ];
  if (oom) {
    lines.push(
      [3000, { ...appLine, PRIORITY: 4, MESSAGE: 'cache grew to 3.4 GiB; payments queue backing up' }],
      [
        3001,
        {
          ...kernel,
          PRIORITY: 4,
          MESSAGE: `${app} invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0`,
        },
      ],
      [
        3001.01,
        {
          ...kernel,
          PRIORITY: 3,
          MESSAGE: `Out of memory: Killed process 812 (${app}) total-vm:4123456kB, anon-rss:3912345kB, file-rss:0kB, UID:998 pgtables:7848kB oom_score_adj:0`,
        },
      ],
      [
        3002,
        {
          ...pid1,
          PRIORITY: 4,
          UNIT: unit,
          MESSAGE: `${unit}: A process of this unit has been killed by the OOM killer.`,
        },
      ],
      [3002.01, { ...pid1, PRIORITY: 4, UNIT: unit, MESSAGE: `${unit}: Failed with result 'oom-kill'.` }],
      [3007, { ...pid1, PRIORITY: 6, UNIT: unit, MESSAGE: `Started ${unit} - the ${app} application.` }],
    );
  }
  return lines;
}

/**
 * Writes the journal of one demo instance under `dir` (booted at `bootMs`) and returns its
 * `inputs.journald` config, or none (with the reason) when systemd-journal-remote is missing.
 */
export function writeDemoJournal(
  dir: string,
  instanceId: string,
  bootMs: number,
  options: { app: string; oom: boolean },
): { inputs: unknown[]; note?: string } {
  if (!journalRemote)
    return { inputs: [], note: 'no systemd-journal-remote: the demo instances ship no journal' };
  const journalDir = join(dir, `${instanceId}-journal`);
  mkdirSync(journalDir, { recursive: true });
  const bootId = Buffer.from(instanceId.padEnd(16, '.').slice(-16)).toString('hex');
  const entries = story(instanceId, options.app, options.oom).map(([s, fields]) => ({
    __REALTIME_TIMESTAMP: Math.round((bootMs + s * 1000) * 1000),
    __MONOTONIC_TIMESTAMP: Math.round(s * 1_000_000) + 1_000_000,
    _BOOT_ID: bootId,
    _HOSTNAME: instanceId,
    ...fields,
  }));
  const run = spawnSync(journalRemote, [`--output=${join(journalDir, 'system.journal')}`, '-'], {
    input: exportOf(entries),
    encoding: 'utf8',
  });
  if (run.status !== 0) return { inputs: [], note: `systemd-journal-remote failed: ${run.stderr.trim()}` };
  return { inputs: [{ directory: journalDir, units: [`${options.app}.service`] }] };
}

/** The "Likely cause" section of `kiln investigate <instance>`, for the demo report. */
export function likelyCauseSection(investigateOutput: string): string {
  const start = investigateOutput.indexOf('Likely cause');
  if (start === -1) return '(no likely cause found)';
  const end = investigateOutput.indexOf('\nTimeline\n', start);
  return investigateOutput.slice(start, end === -1 ? undefined : end).trimEnd();
}
