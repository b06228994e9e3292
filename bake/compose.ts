/**
 * Composes the build Packer runs: the user's template with its builders (and its own
 * provisioners and post-processors) unchanged, followed by kiln's provisioners — upload the
 * staging directory, install the agent, the user's playbook (`ansible` provisioner), optional
 * security updates, the finalize step (baseline + manifest), and the downloads of what it made.
 * https://developer.hashicorp.com/packer/docs/templates/legacy_json_templates
 */
import { KilnError } from '../lib/errors.ts';
import { imagePaths } from './config.ts';

/** A Packer provisioner block (JSON template form). */
export type Provisioner = Record<string, unknown> & { type: string };

/** What kiln adds to a build. */
export interface ComposePlan {
  /** The local staging directory; its base name becomes the remote directory under /tmp. */
  localStage: string;
  remoteStage: string;
  playbook?: string;
  requirements?: string;
  ansibleArguments: readonly string[];
  imageRoot: string;
  securityUpdates: boolean;
  sudo: boolean;
  /** Local directory receiving the baseline, manifest and package list. */
  downloadDir: string;
}

/** The names of kiln's steps, in order, for plans and progress. */
export function plannedSteps(plan: ComposePlan): string[] {
  return [
    'upload',
    'install-agent',
    ...(plan.playbook ? ['playbook'] : []),
    ...(plan.securityUpdates ? ['security-updates'] : []),
    'baseline',
    'download',
  ];
}

const securityUpdatesScript = [
  'echo "kiln-step: security-updates"',
  'if command -v apt-get >/dev/null 2>&1; then',
  '  export DEBIAN_FRONTEND=noninteractive',
  '  apt-get update -q',
  '  if command -v unattended-upgrade >/dev/null 2>&1; then unattended-upgrade -v; else apt-get -y -q upgrade; fi',
  'elif command -v dnf >/dev/null 2>&1; then dnf -y upgrade --security',
  'elif command -v yum >/dev/null 2>&1; then yum -y update --security',
  'else echo "kiln: no apt-get, dnf or yum in the image: cannot install security updates" >&2; exit 1',
  'fi',
];

const sudoExecute = "chmod +x {{ .Path }}; {{ .Vars }} sudo -E sh -eu '{{ .Path }}'";

/** kiln's provisioners for a plan, in the order they run. */
export function kilnProvisioners(plan: ComposePlan): Provisioner[] {
  const stageParent = plan.remoteStage.slice(0, plan.remoteStage.lastIndexOf('/')) || '/';
  // sudo -E keeps the environment Packer sets; without sudo the login user must be root.
  const shell = (inline: string[]): Provisioner => ({
    type: 'shell',
    inline,
    ...(plan.sudo
      ? { execute_command: "chmod +x {{ .Path }}; {{ .Vars }} sudo -E sh -eu '{{ .Path }}'" }
      : {}),
  });
  const root = plan.imageRoot.replace(/\/$/, '');
  const provisioners: Provisioner[] = [
    { type: 'file', source: plan.localStage, destination: stageParent },
    shell([`sh ${plan.remoteStage}/install.sh`]),
  ];
  if (plan.playbook) {
    provisioners.push({
      type: 'ansible',
      playbook_file: plan.playbook,
      // Packer's SSH proxy offers only ssh-rsa host keys, which current OpenSSH refuses.
      use_proxy: false,
      extra_arguments: ['--extra-vars', `kiln_image_root=${root}`, ...plan.ansibleArguments],
      ansible_env_vars: [
        'ANSIBLE_HOST_KEY_CHECKING=False',
        'ANSIBLE_NOCOLOR=1',
        'ANSIBLE_RETRY_FILES_ENABLED=False',
      ],
      ...(plan.requirements ? { galaxy_file: plan.requirements } : {}),
    });
  }
  if (plan.securityUpdates) provisioners.push(shell(securityUpdatesScript));
  provisioners.push(shell([`sh ${plan.remoteStage}/finalize.sh`]));
  for (const [path, name] of [
    [imagePaths.baseline, 'baseline.json'],
    [imagePaths.manifest, 'image.json'],
    [imagePaths.packages, 'packages.txt'],
  ] as const) {
    provisioners.push({
      type: 'file',
      direction: 'download',
      source: `${root}${path}`,
      destination: `${plan.downloadDir}/${name}`,
    });
  }
  return provisioners;
}

/** The composed JSON template: the user's, with kiln's provisioners after the user's own. */
export function composeJsonTemplate(
  template: unknown,
  plan: ComposePlan,
  source = 'template',
): Record<string, unknown> {
  if (typeof template !== 'object' || template === null || Array.isArray(template)) {
    throw new KilnError('KILN_ERR_BAKE', `${source}: a Packer JSON template must be an object`);
  }
  const user = template as Record<string, unknown>;
  if (!Array.isArray(user.builders) || user.builders.length === 0) {
    throw new KilnError('KILN_ERR_BAKE', `${source}: "builders" must list at least one builder`);
  }
  const own = Array.isArray(user.provisioners) ? user.provisioners : [];
  const composed: Record<string, unknown> = { ...user, provisioners: [...own, ...kilnProvisioners(plan)] };
  // A failed build leaves no staging directory behind (Packer 1.6.6 has this in JSON templates only).
  if (!('error-cleanup-provisioner' in user)) {
    composed['error-cleanup-provisioner'] = {
      type: 'shell',
      inline: [`rm -rf ${plan.remoteStage}`],
      ...(plan.sudo ? { execute_command: sudoExecute } : {}),
    };
  }
  return composed;
}

const sourceImageKeys = ['source_ami', 'source_image', 'source_image_name', 'source_image_family', 'image'];

/**
 * The source (parent) image the builders start from: the first `source_ami`/`source_image`/…
 * found, with `{{user \`name\`}}` resolved from `variables` (then the template's defaults).
 */
export function sourceImageOfJson(
  template: unknown,
  variables: Record<string, string> = {},
): string | undefined {
  const doc = template as { builders?: unknown; variables?: Record<string, unknown> };
  if (!Array.isArray(doc?.builders)) return undefined;
  const lookup = (name: string) =>
    variables[name] ?? (typeof doc.variables?.[name] === 'string' ? doc.variables[name] : '');
  for (const builder of doc.builders) {
    for (const key of sourceImageKeys) {
      const value = (builder as Record<string, unknown>)?.[key];
      if (typeof value === 'string' && value !== '') {
        return value.replace(/\{\{\s*user\s+`([^`]+)`\s*\}\}/g, (_, name: string) => String(lookup(name)));
      }
    }
  }
  return undefined;
}
