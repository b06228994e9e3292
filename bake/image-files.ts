/**
 * The files kiln puts into the image, rendered as text: the agent's systemd unit, the install
 * script, and the finalize script that captures the baseline and writes the manifest as the very
 * last step of the bake. Pure: every value comes in as an argument.
 */
import { imagePaths } from './config.ts';

/** Quotes a value for POSIX sh (single quotes; embedded quotes closed and escaped). */
export function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/** What the unit needs. */
export interface UnitOptions {
  /** The application units the agent watches: After= them, so systemd stops the agent after them. */
  afterUnits: readonly string[];
  /** The agent's own shutdown deadline; the unit's stop timeout is longer. */
  shutdownDeadlineMs: number;
  /** The agent's state directory (the only place it writes). */
  stateDir: string;
  /** The V8 old-generation limit, MiB (NODE_OPTIONS=--max-old-space-size). */
  heapMiB: number;
  /** The cgroup memory limit, MiB (MemoryMax=). */
  memoryMaxMiB: number;
}

/** Margin between the agent's shutdown deadline and systemd's SIGKILL. */
export const stopTimeoutMarginSec = 15;

/** How both units end: files they create are theirs alone, and they start at boot. */
const unitEnd = ['UMask=0077', '', '[Install]', 'WantedBy=multi-user.target', ''];

/** The sandboxing both units share (systemd.exec(5)); each adds what its work allows. */
const sharedSandbox = [
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  'ProtectControlGroups=yes',
  'ProtectClock=yes',
  'ProtectHostname=yes',
  'RestrictSUIDSGID=yes',
  'RestrictRealtime=yes',
  'RestrictNamespaces=yes',
  'LockPersonality=yes',
];

/**
 * The systemd unit. Units stop in the reverse order of `After=`, so ordering the agent after the
 * applications makes it stop after them and ship their last lines
 * (https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html#Before=).
 * The agent is one executable (no Node in the image); its heap limit is set here next to the
 * cgroup's MemoryMax= so the two are read and changed together. Hardening
 * (https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html): the agent runs as
 * root so it can read every log and baseline root, but the whole file system is read-only to it
 * except its state directory, it cannot gain privileges, and it keeps only the capability to read
 * files it does not own. MemoryDenyWriteExecute= is left off: V8's JIT writes code.
 */
export function renderUnit(options: UnitOptions): string {
  const after = ['network-online.target', 'kiln-drift-feed.service', ...options.afterUnits].join(' ');
  const stopSec = Math.ceil(options.shutdownDeadlineMs / 1000) + stopTimeoutMarginSec;
  return [
    '[Unit]',
    "Description=kiln agent: ships this instance's logs and checks it against its baked baseline",
    'Documentation=https://github.com/kiln/kiln/blob/main/docs/bake.md',
    // The drift change feed, when the image has it (a Wants= of a unit that is absent is no error).
    'Wants=network-online.target kiln-drift-feed.service',
    `After=${after}`,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${imagePaths.agentExecutable} run --config ${imagePaths.agentConfig}`,
    'Restart=on-failure',
    'RestartSec=5',
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${stopSec}`,
    `Environment=NODE_OPTIONS=--max-old-space-size=${options.heapMiB}`,
    // glibc makes an arena per thread (8 per core); V8's and libuv's threads each keep one
    // mostly empty. One arena: 9 MiB less idle RSS than two, 3-5 MiB less at 10 000 lines/s,
    // the same CPU per line draining (bench/RESULTS.md, 2026-12-03).
    'Environment=MALLOC_ARENA_MAX=1',
    `MemoryMax=${options.memoryMaxMiB}M`,
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    `ReadWritePaths=${options.stateDir}`,
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectHome=read-only',
    ...sharedSandbox,
    'SystemCallArchitectures=native',
    // AF_NETLINK: the boot facts list network interfaces (getifaddrs).
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK',
    'CapabilityBoundingSet=CAP_DAC_READ_SEARCH',
    ...unitEnd,
  ].join('\n');
}

/**
 * The drift change feed's unit: `kiln-drift-feed --listen` on a socket only root can open, holding
 * the two capabilities fanotify's filesystem marks need (CAP_SYS_ADMIN, and CAP_DAC_READ_SEARCH to
 * name a directory from its handle), so the agent, which talks to the network, holds neither of
 * the first. No network, nothing writable but its runtime directory. Type=notify: it is ready
 * once its socket is, so the agent, ordered after it, finds the socket when it starts.
 */
export function renderDriftFeedUnit(): string {
  return [
    '[Unit]',
    'Description=kiln drift change feed: tells the kiln agent which files changed (fanotify)',
    'Documentation=https://github.com/kiln/kiln/blob/main/docs/facts-drift-registry.md',
    'Before=kiln-agent.service',
    '',
    '[Service]',
    'Type=notify',
    `ExecStart=${imagePaths.driftFeed} --listen ${imagePaths.driftFeedSocket}`,
    'Restart=on-failure',
    'RestartSec=5',
    // Its own runtime directory: systemd removes it when the unit stops (not /run/kiln, where an
    // enrollment token may be).
    'RuntimeDirectory=kiln-drift-feed',
    'RuntimeDirectoryMode=0700',
    'MemoryMax=64M',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=read-only',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'PrivateNetwork=yes',
    ...sharedSandbox,
    'MemoryDenyWriteExecute=yes',
    'SystemCallArchitectures=native',
    'RestrictAddressFamilies=AF_UNIX',
    'CapabilityBoundingSet=CAP_SYS_ADMIN CAP_DAC_READ_SEARCH',
    ...unitEnd,
  ].join('\n');
}

/** What the install and finalize scripts need. */
export interface ScriptOptions {
  /** The image-root prefix ("" for the real root). */
  imageRoot: string;
  /** Where the staging directory lands on the machine. */
  remoteStage: string;
}

/** Installs the agent executable and its command link, the unit (enabled by its wants link, which works offline too) and config. */
export function renderInstallScript(options: ScriptOptions): string {
  const root = shQuote(options.imageRoot.replace(/\/$/, ''));
  const stage = shQuote(options.remoteStage);
  return [
    '#!/bin/sh',
    'set -eu',
    'echo "kiln-step: install-agent"',
    `R=${root}`,
    `S=${stage}`,
    `install -D -m 0755 "$S/kiln-agent" "$R${imagePaths.agentExecutable}"`,
    // Beside the executable, where its loader looks when KILN_DEBUG is set.
    `if [ -f "$S/kiln-agent.cjs.map" ]; then install -m 0644 "$S/kiln-agent.cjs.map" "$R${dirOf(imagePaths.agentExecutable)}/kiln-agent.cjs.map"; fi`,
    `mkdir -p "$R${dirOf(imagePaths.agentCommand)}"`,
    `ln -sfn ${imagePaths.agentExecutable} "$R${imagePaths.agentCommand}"`,
    `install -D -m 0644 "$S/kiln-agent.service" "$R${imagePaths.unit}"`,
    `install -D -m 0640 "$S/agent.yaml" "$R${imagePaths.agentConfig}"`,
    `mkdir -p "$R${dirOf(imagePaths.unitWantsLink)}" "$R${imagePaths.stateDir}"`,
    `chmod 0750 "$R${imagePaths.stateDir}"`,
    `ln -sfn ${imagePaths.unit} "$R${imagePaths.unitWantsLink}"`,
    // The drift change feed, when this kiln was built with it (docs/facts-drift-registry.md).
    'if [ -f "$S/kiln-drift-feed" ]; then',
    `  install -D -m 0755 "$S/kiln-drift-feed" "$R${imagePaths.driftFeed}"`,
    `  install -D -m 0644 "$S/kiln-drift-feed.service" "$R${imagePaths.driftFeedUnit}"`,
    `  ln -sfn ${imagePaths.driftFeedUnit} "$R${imagePaths.driftFeedUnitWantsLink}"`,
    'else',
    '  echo "kiln: no drift change feed in this kiln build: the agent\'s drift checks will walk the roots"',
    'fi',
    `echo "kiln: agent installed at $R${imagePaths.agentExecutable}"`,
    '',
  ].join('\n');
}

/**
 * The last step inside the image: check the agent runs here, write the package list, capture the baseline
 * (`kiln-agent baseline capture`), then fill the manifest template with the built-at time and the
 * two digests. The package list is written before the capture so the baseline covers it; the
 * manifest and baseline come after it and are on the agent's allowlist.
 */
export function renderFinalizeScript(options: ScriptOptions): string {
  const root = shQuote(options.imageRoot.replace(/\/$/, ''));
  return [
    '#!/bin/sh',
    'set -eu',
    'echo "kiln-step: baseline"',
    `R=${root}`,
    `S=${shQuote(options.remoteStage)}`,
    `AGENT="$R${imagePaths.agentExecutable}"`,
    'if ! "$AGENT" --version >/dev/null 2>&1; then',
    '  echo "kiln: $AGENT does not run on this machine ($(uname -m)); set agent.arch in the bake config to the image\'s architecture" >&2',
    '  exit 1',
    'fi',
    `mkdir -p "$R${dirOf(imagePaths.manifest)}"`,
    'if [ -f "$R/var/lib/dpkg/status" ]; then',
    `  dpkg-query --admindir="$R/var/lib/dpkg" -W -f='\${binary:Package} \${Version}\\n'`,
    'elif command -v rpm >/dev/null 2>&1 && [ -d "$R/var/lib/rpm" ]; then',
    `  rpm --root "\${R:-/}" -qa --qf '%{NAME}.%{ARCH} %{VERSION}-%{RELEASE}\\n'`,
    `fi | LC_ALL=C sort > "$R${imagePaths.packages}"`,
    `PACKAGES_DIGEST="sha256:$(sha256sum < "$R${imagePaths.packages}" | cut -d' ' -f1)"`,
    `OUT=$("$AGENT" baseline capture --root "\${R:-/}" --config "$R${imagePaths.agentConfig}" --out "$R${imagePaths.baseline}")`,
    'echo "$OUT"',
    'BASELINE_DIGEST=$(printf "%s\\n" "$OUT" | grep -Eo "sha256:[0-9a-f]{64}" | tail -n 1)',
    '[ -n "$BASELINE_DIGEST" ] || { echo "kiln: baseline capture printed no digest" >&2; exit 1; }',
    'BUILT_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)',
    'sed -e "s/@BUILT_AT@/$BUILT_AT/" -e "s/@BASELINE_DIGEST@/$BASELINE_DIGEST/" \\',
    `  -e "s/@PACKAGES_DIGEST@/$PACKAGES_DIGEST/" "$S/image.json.in" > "$R${imagePaths.manifest}"`,
    `chmod 0644 "$R${imagePaths.manifest}" "$R${imagePaths.baseline}"`,
    'rm -rf "$S"',
    'echo "kiln: baseline $BASELINE_DIGEST, packages $PACKAGES_DIGEST"',
    '',
  ].join('\n');
}

/** What the manifest records that is known on the bake host. */
export interface ManifestFields {
  bakeId: string;
  bakeKey: string;
  parentImage?: string;
  imageName?: string;
  imageVersion?: string;
  gitRevision?: string;
  gitDirty?: boolean;
  packerVersion: string;
  ansibleVersion?: string;
  agentVersion: string;
  /** The units of the applications (`agent.afterUnits`): the agent's journald source reads them. */
  applicationUnits: string[];
}

/** The manifest with placeholders for what only the image knows (built-at, the two digests). */
export function renderManifestTemplate(fields: ManifestFields): string {
  const manifest = {
    format: 'kiln-image/1',
    ...fields,
    builtAt: '@BUILT_AT@',
    baselineDigest: '@BASELINE_DIGEST@',
    packagesDigest: '@PACKAGES_DIGEST@',
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}
