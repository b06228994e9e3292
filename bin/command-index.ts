/**
 * kiln's top-level commands, named and summarised in one place. `kiln --help` lists them from
 * here without loading any of them; a command's module (and the AWS SDK, OpenTelemetry or the
 * Elasticsearch client behind it) is imported only when that command runs or its help is asked.
 */
import type { Command } from 'commander';

type Register = (program: Command) => void;

export interface TopLevelCommand {
  name: string;
  summary: string;
  /** Registers the real command (one module may register several names: bake and images). */
  load: () => Promise<Register>;
}

const bake = async (): Promise<Register> => (await import('./commands/bake.ts')).registerBake;

export const topLevelCommands: readonly TopLevelCommand[] = [
  {
    name: 'demo',
    summary:
      'run the whole loop here: local Elasticsearch, collector, two agents shipping real logs, drift, fleet state and policy plan',
    load: async () => (await import('./commands/demo.ts')).registerDemo,
  },
  {
    name: 'local-es',
    summary: 'run a local single-node Elasticsearch (downloaded once through Maven, cached)',
    load: async () => (await import('./commands/local-es.ts')).registerLocalEs,
  },
  {
    name: 'collector',
    summary: 'the central collector: storage setup, ingest API, policies',
    load: async () => (await import('./commands/collector.ts')).registerCollector,
  },
  {
    name: 'token',
    summary: 'enrollment tokens for instances that cannot attest themselves (on EC2 none is needed)',
    load: async () => (await import('./commands/token.ts')).registerToken,
  },
  {
    name: 'agent',
    summary: 'the instance agent (same commands as kiln-agent)',
    load: async () => (await import('./commands/agent.ts')).registerAgent,
  },
  {
    name: 'fleet',
    summary: 'list the instances of the fleet registry: image, age, drift, status, trust, last seen',
    load: async () => (await import('./commands/fleet.ts')).registerFleet,
  },
  {
    name: 'policy',
    summary: 'replacement policies: max age, drift, silence, bad images',
    load: async () => (await import('./commands/policy.ts')).registerPolicy,
  },
  {
    name: 'investigate',
    summary:
      "an instance's story from Elasticsearch: registry entry, boot facts, timeline (bake → boot → drift → decisions → shutdown or silence), drift, decisions, shutdown completeness, last log lines",
    load: async () => (await import('./commands/investigate.ts')).registerInvestigate,
  },
  {
    name: 'bake',
    summary:
      'bake an image with Packer and Ansible: installs the agent, captures the baseline, records the bake',
    load: bake,
  },
  {
    name: 'images',
    summary:
      'list bakes and image lineage (parent image → artifacts, the instances running them); image health; rollback to the previous image',
    load: bake,
  },
  {
    name: 'dashboards',
    summary: "kiln's Kibana dashboards (Kibana 8.9 or newer)",
    load: async () => (await import('./commands/dashboards.ts')).registerDashboards,
  },
];

/** The summary of a top-level command, for its module's `.description()`. */
export function summaryOf(name: string): string {
  const found = topLevelCommands.find((c) => c.name === name);
  if (!found) throw new Error(`no top-level command ${name} in bin/command-index.ts`);
  return found.summary;
}

/** The top-level command that `argv` (after node and the script) runs or asks help for. */
export function targetOf(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * Registers every top-level command on `program`, in the index's order: the real one for
 * `target`, a stub (name and summary, enough for `kiln --help` and "unknown command") for the rest.
 */
export async function registerCommands(program: Command, target: string | undefined): Promise<void> {
  const real = topLevelCommands.find((c) => c.name === target);
  if (real) (await real.load())(program);
  const registered = new Set(program.commands.map((c) => c.name()));
  for (const command of topLevelCommands) {
    if (!registered.has(command.name)) program.command(command.name).description(command.summary);
  }
  const order = (c: Command) => topLevelCommands.findIndex((t) => t.name === c.name());
  (program.commands as Command[]).sort((a, b) => order(a) - order(b));
}
