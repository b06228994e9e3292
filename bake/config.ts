/**
 * The bake config (`kiln bake --config bake.yaml`): strict, parsed once. Paths are relative to
 * the config file. It names the inputs (template, playbook, variables, agent config) and how
 * kiln installs the agent; it never holds credentials (the secret lint checks that too).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfigFile } from '../lib/config.ts';
import { ConfigError } from '../lib/errors.ts';

/** The bake config as written. */
export const bakeConfigSchema = z.strictObject({
  /** The Packer template: JSON (`.json`) or HCL2 (`.pkr.hcl`). */
  template: z.string().min(1),
  /** The Ansible playbook run by Packer's `ansible` provisioner; its directory is the playbook tree. */
  playbook: z.string().min(1).optional(),
  /** Ansible Galaxy requirements (roles, collections). Default `<playbook dir>/requirements.yml` when present. */
  requirements: z.string().min(1).optional(),
  /** Template variables passed with `-var`. Default none. */
  variables: z.record(z.string(), z.string()).default({}),
  /** Variable files passed with `-var-file`. Default none. */
  varFiles: z.array(z.string().min(1)).default([]),
  /** The source (parent) image id; default: read from the builders (`source_ami`, `source_image`, …). */
  sourceImage: z.string().min(1).optional(),
  /** Image name and version written to the manifest. */
  imageName: z.string().min(1).optional(),
  imageVersion: z.string().min(1).optional(),
  /**
   * A directory prefix inside the machine under which kiln installs everything (`/etc/kiln` becomes
   * `<imageRoot>/etc/kiln`). Default "" (the image's real root). Tests and chroot bakes set it.
   */
  imageRoot: z.string().default(''),
  agent: z.strictObject({
    /** The agent config installed as /etc/kiln/agent.yaml (validated against the agent's schema). */
    configFile: z.string().min(1),
    /** The image's CPU architecture: which agent executable is installed. Default x64. */
    arch: z.enum(['x64', 'arm64']).default('x64'),
    /** The self-contained agent executable (no Node needed in the image). Default `dist/kiln-agent-linux-<arch>` of this kiln. */
    executable: z.string().min(1).optional(),
    /**
     * The drift change feed (kiln-drift-feed, built by `npm run build` when Go is installed),
     * installed with its own unit; false: none (the agent's drift checks then walk the roots).
     * Default `kiln-drift-feed-linux-<arch>` beside the agent executable, when it is there.
     */
    driftFeed: z.union([z.string().min(1), z.literal(false)]).optional(),
    /** The agent's V8 heap limit in the unit, MiB. Default 48. */
    heapMiB: z.number().int().min(16).default(48),
    /** The unit's MemoryMax=, MiB: heap plus Node's own memory plus headroom. Default 160. */
    memoryMaxMiB: z.number().int().min(64).default(160),
    /** Units of the applications the agent watches: it starts after and stops after them. Default none. */
    afterUnits: z.array(z.string().min(1)).default([]),
  }),
  /** Install the latest security updates after the playbook. Default false. */
  securityUpdates: z.boolean().default(false),
  /** Run kiln's provisioners through `sudo -E` (set false when the communicator logs in as root). Default true. */
  sudo: z.boolean().default(true),
  /** Extra `ansible-playbook` arguments (e.g. `["-e", "env=prod"]`). Default none. */
  ansibleArguments: z.array(z.string()).default([]),
  /** Where bakes keep their work files and downloads (`<dir>/<bake id>/`). Default `.kiln/bakes`. */
  outputDir: z.string().default('.kiln/bakes'),
  /** Regexes of reviewed secret-lint findings to accept (matched against `file:line` and the finding). */
  allowSecrets: z.array(z.string().min(1)).default([]),
});

/** The bake config with every path made absolute. */
export type BakeConfig = z.output<typeof bakeConfigSchema> & {
  /** The config file itself. */
  file: string;
  agent: Omit<z.output<typeof bakeConfigSchema>['agent'], 'driftFeed'> & {
    executable: string;
    /** The change feed executable to install; undefined: none. */
    driftFeed?: string;
  };
};

/** Loads the bake config and resolves its paths against the config file's directory. */
export function loadBakeConfig(
  file: string,
  defaults: { agentExecutable: (arch: 'x64' | 'arm64') => string },
): BakeConfig {
  const raw = loadConfigFile(file, bakeConfigSchema);
  const base = dirname(resolve(file));
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const executable = at(raw.agent.executable ?? defaults.agentExecutable(raw.agent.arch));
  const { driftFeed: givenFeed, ...agent } = raw.agent;
  const besideAgent = ['kiln-drift-feed', `kiln-drift-feed-linux-${raw.agent.arch}`]
    .map((name) => join(dirname(executable), name))
    .find((candidate) => existsSync(candidate));
  const driftFeed = givenFeed === false ? undefined : givenFeed ? at(givenFeed) : besideAgent;
  if (givenFeed && !existsSync(driftFeed!))
    throw new ConfigError(
      file,
      'agent.driftFeed',
      `expected an existing file: ${driftFeed} is not there (npm run build makes it when Go is installed; false installs none)`,
    );
  const config: BakeConfig = {
    ...raw,
    file: resolve(file),
    template: at(raw.template),
    varFiles: raw.varFiles.map(at),
    outputDir: at(raw.outputDir),
    agent: {
      ...agent,
      configFile: at(raw.agent.configFile),
      executable,
      ...(driftFeed ? { driftFeed } : {}),
    },
  };
  if (raw.playbook) config.playbook = at(raw.playbook);
  if (raw.requirements) config.requirements = at(raw.requirements);
  return config;
}

/** Where kiln puts things inside the image (before the image-root prefix). */
export const imagePaths = {
  /** The agent executable; under /usr/local/lib/kiln so a drift root can cover kiln's own files. */
  agentExecutable: '/usr/local/lib/kiln/kiln-agent',
  /** The command on PATH: a symbolic link to the executable. */
  agentCommand: '/usr/local/bin/kiln-agent',
  agentConfig: '/etc/kiln/agent.yaml',
  unit: '/etc/systemd/system/kiln-agent.service',
  unitWantsLink: '/etc/systemd/system/multi-user.target.wants/kiln-agent.service',
  stateDir: '/var/lib/kiln-agent',
  baseline: '/etc/kiln/baseline.json',
  manifest: '/etc/kiln/image.json',
  packages: '/etc/kiln/packages.txt',
  /** The drift change feed and its unit (it holds the fanotify capability, the agent does not). */
  driftFeed: '/usr/local/lib/kiln/kiln-drift-feed',
  driftFeedUnit: '/etc/systemd/system/kiln-drift-feed.service',
  driftFeedUnitWantsLink: '/etc/systemd/system/multi-user.target.wants/kiln-drift-feed.service',
  /** Where the feed listens; the agent's drift.changeFeedSocket default. */
  driftFeedSocket: '/run/kiln-drift-feed/feed.sock',
} as const;
