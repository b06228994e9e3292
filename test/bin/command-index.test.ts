import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCommands, targetOf, topLevelCommands } from '../../bin/command-index.ts';

describe('the top-level command index', () => {
  it('names the command a command line runs or asks help for', () => {
    expect(targetOf(['fleet', '--json'])).toBe('fleet');
    expect(targetOf(['--help'])).toBeUndefined();
    expect(targetOf(['help', 'images'])).toBe('images');
    expect(targetOf(['collector', 'run', '--es-url', 'http://x'])).toBe('collector');
  });

  it('registers only stubs for --help: names and summaries, no options, no subcommands', async () => {
    const program = new Command('kiln');
    await registerCommands(program, undefined);
    expect(program.commands.map((c) => c.name())).toEqual(topLevelCommands.map((c) => c.name));
    for (const c of program.commands) {
      expect(c.options, c.name()).toHaveLength(0);
      expect(c.commands, c.name()).toHaveLength(0);
    }
  });

  it("loads each command's module as the real command, under the index's name and summary, in the index's order", async () => {
    for (const entry of topLevelCommands) {
      const program = new Command('kiln');
      await registerCommands(program, entry.name);
      expect(program.commands.map((c) => c.name())).toEqual(topLevelCommands.map((c) => c.name));
      const real = program.commands.find((c) => c.name() === entry.name)!;
      expect(real.description(), entry.name).toBe(entry.summary);
      expect(
        real.options.length + real.commands.length,
        `${entry.name} has its options or subcommands`,
      ).toBeGreaterThan(0);
    }
  });
});
