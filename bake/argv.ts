/**
 * Command lines for Packer and Ansible, and the parsers of their version output. Pure.
 * https://developer.hashicorp.com/packer/docs/commands/build
 */

/** What `packer build` gets. */
export interface PackerBuildArgs {
  template: string;
  variables: Record<string, string>;
  varFiles: readonly string[];
  /** Passes `-force` (delete existing artifacts of the same name). */
  force?: boolean;
}

/** `packer build -machine-readable -color=false [-force] -var k=v… -var-file=f… <template>`. */
export function packerBuildArgv(args: PackerBuildArgs): string[] {
  const argv = ['build', '-machine-readable', '-color=false'];
  if (args.force) argv.push('-force');
  for (const [name, value] of Object.entries(args.variables).sort(([a], [b]) => a.localeCompare(b))) {
    argv.push('-var', `${name}=${value}`);
  }
  for (const file of args.varFiles) argv.push(`-var-file=${file}`);
  argv.push(args.template);
  return argv;
}

/** `packer validate <template>` with the same variables, for dry runs. */
export function packerValidateArgv(args: Omit<PackerBuildArgs, 'force'>): string[] {
  return ['validate', ...packerBuildArgv(args).slice(3)];
}

/** The environment Packer and the Ansible it starts run with: no update checks, no colours. */
export function packerEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...base,
    CHECKPOINT_DISABLE: '1',
    PACKER_NO_COLOR: '1',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_HOST_KEY_CHECKING: 'False',
  };
}

/** `1.6.6` from `packer version` (`Packer v1.6.6`, possibly followed by an upgrade notice). */
export function parsePackerVersion(output: string): string | undefined {
  return /Packer v(\d+\.\d+\.\d+\S*)/.exec(output)?.[1];
}

/** `2.14.18` from `ansible --version` (`ansible [core 2.14.18]`, or `ansible 2.9.6` of old releases). */
export function parseAnsibleVersion(output: string): string | undefined {
  return (
    /ansible(?:-playbook)? \[core (\d+\.\d+\.\d+\S*)\]/.exec(output)?.[1] ??
    /^ansible(?:-playbook)? (\d+\.\d+\.\d+)/m.exec(output)?.[1]
  );
}
