/**
 * A demo "image" per agent: a small tree standing for what was baked (an app config, a binary,
 * a systemd unit), the manifest `/etc/kiln/image.json` a bake writes, the baseline captured
 * from that tree with `kiln-agent baseline capture`, and the agent config (no credentials: the
 * enrollment token is read from a file at run time).
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { compileAllowlist, defaultAllowlist } from '../../agent/baseline/allowlist.ts';
import { KilnError } from '../../lib/errors.ts';
import { runKiln } from './processes.ts';

/** A prepared demo agent. */
export interface DemoAgent {
  instanceId: string;
  configFile: string;
  /** Changes a baked file in place, as a hand-patch on a live server would. */
  drift(): void;
}

/**
 * Where the demo bakes its images: `$XDG_DATA_HOME/kiln/demo-images` (default
 * `~/.local/share`). Refused, in one line, when it lies under a path the baseline's built-in
 * allowlist ignores (/tmp, /var/cache, logs…): no drift could ever show there.
 */
export function demoImagesDir(): string {
  const dir = join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'kiln', 'demo-images');
  if (compileAllowlist(defaultAllowlist).allows('file', join(dir, 'i-demo', 'etc/shop/app.conf'))) {
    throw new KilnError(
      'KILN_ERR_USAGE',
      `the demo images would be baked under ${dir}, a path drift detection ignores by default (/tmp, /var/cache, /var/tmp, /var/log, /run); set XDG_DATA_HOME to a directory elsewhere`,
    );
  }
  return dir;
}

/** Where a demo agent lives and looks: its files, its image, its collector and metadata service. */
export interface DemoAgentPlace {
  /** The demo's working directory (agent state and config go in `<workDir>/<instance>`). */
  workDir: string;
  /** From demoImagesDir(). */
  imagesDir: string;
  /** The agent config's `collector` section (URL and how it enrolls: see identity.ts). */
  collectorSection: Record<string, unknown>;
  /** The instance's (stand-in) IMDSv2 endpoint. */
  imdsUrl: string;
}

/** Builds the demo image tree, manifest, baseline and agent config for one instance. */
export function prepareDemoImage(
  instanceId: string,
  place: DemoAgentPlace,
  files: unknown[],
  journald: unknown[] = [],
): DemoAgent {
  const { collectorSection, imdsUrl } = place;
  const base = join(place.workDir, instanceId);
  const image = join(place.imagesDir, instanceId);
  rmSync(image, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  for (const sub of ['etc/shop', 'opt/shop/bin', 'etc/kiln'])
    mkdirSync(join(image, sub), { recursive: true });
  const appConf = join(image, 'etc/shop/app.conf');
  writeFileSync(appConf, 'listen = 0.0.0.0:8080\nworkers = 4\npayments_timeout_ms = 2000\n');
  writeFileSync(join(image, 'opt/shop/bin/shop'), '#!/bin/sh\nexec node /opt/shop/server.js\n', {
    mode: 0o755,
  });
  const manifest = join(image, 'etc/kiln/image.json');
  const builtAt = new Date(Date.now() - 3 * 86_400_000);
  writeFileSync(
    manifest,
    `${JSON.stringify(
      {
        bakeId: `bake-demo-${instanceId.endsWith('1') ? '0001' : '0002'}`,
        bakeKey: 'demo',
        imageName: 'shop-base',
        imageVersion: builtAt.toISOString().slice(0, 10).replaceAll('-', '.'),
        parentImage: 'debian-12-amd64',
        builtAt: builtAt.toISOString(),
        gitRevision: 'demo',
        gitDirty: false,
      },
      null,
      2,
    )}\n`,
  );
  const baselineFile = join(image, 'etc/kiln/baseline.json');
  const configFile = join(base, 'agent.yaml');
  const config = {
    collector: collectorSection,
    stateDir: join(base, 'state'),
    instanceId,
    inputs: { files, journald, scanIntervalMs: 1000 },
    shipping: { flushIntervalMs: 500 },
    heartbeat: { intervalMs: 5000 },
    facts: { manifestPath: manifest, imdsUrl, imdsTimeoutMs: 1000 },
    drift: {
      baselinePath: baselineFile,
      intervalMs: 5000,
      roots: [join(image, 'etc/shop'), join(image, 'opt/shop')],
      // The demo's "instances" share this machine with everything else running on it: its
      // listening sockets and kernel modules are not theirs to drift.
      allowlist: ['socket:*/*', 'module:*'],
    },
    shutdown: { deadlineMs: 15_000 },
  };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const capture = runKiln('kiln-agent', [
    'baseline',
    'capture',
    '--config',
    configFile,
    '--out',
    baselineFile,
  ]);
  if (capture.code !== 0) {
    throw new KilnError(
      'KILN_ERR_BASELINE',
      `capturing the demo baseline failed: ${capture.stderr.trim() || capture.stdout.trim()}`,
    );
  }
  return {
    instanceId,
    configFile,
    drift: () => appendFileSync(appConf, 'debug = true  # hand-patched on the live server\n'),
  };
}

/**
 * A dry-run policy for the demo: max age 6 hours (the web instance was launched 7 hours ago, the
 * shop instance 80 minutes ago, as their metadata says), replace on drift after 10 s, silence
 * after 30 s, one replacement at a time.
 */
export function writeDemoPolicy(dir: string): string {
  const file = join(dir, 'policy.yaml');
  writeFileSync(
    file,
    [
      '# kiln demo policy: dry run, so nothing is replaced; every decision is still audited.',
      'name: demo',
      'maxAge: 6h',
      'spreadPercent: 0',
      'onDrift:',
      '  action: replace',
      '  gracePeriod: 10s',
      'silence:',
      '  after: 30s',
      'action:',
      '  type: notify',
      'safety:',
      '  maxConcurrent: 1',
      '  minHealthyShare: 0',
      'dryRun: true',
      '',
    ].join('\n'),
  );
  return file;
}
