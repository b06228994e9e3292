import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfigFile } from '../../lib/config.ts';
import { ConfigError } from '../../lib/errors.ts';

const schema = z.strictObject({
  collector: z.strictObject({ url: z.url(), timeoutMs: z.number().int().positive().default(5000) }),
  files: z.array(z.string()).min(1),
});

function write(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kiln-config-')), 'agent.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadConfigFile', () => {
  it('parses YAML and fills defaults', () => {
    const file = write('collector:\n  url: http://127.0.0.1:8080\nfiles: [/var/log/*.log]\n');
    expect(loadConfigFile(file, schema)).toEqual({
      collector: { url: 'http://127.0.0.1:8080', timeoutMs: 5000 },
      files: ['/var/log/*.log'],
    });
  });

  it('names the file, the key and the expectation for a wrong type', () => {
    const file = write('collector:\n  url: http://x\n  timeoutMs: soon\nfiles: [a]\n');
    expect(() => loadConfigFile(file, schema)).toThrow(
      `${file}: collector.timeoutMs: expected number, received string`,
    );
  });

  it('rejects unknown keys by name', () => {
    const file = write('collector:\n  url: http://x\n  timeoutMS: 5\nfiles: [a]\n');
    const error = (() => {
      try {
        loadConfigFile(file, schema);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.code).toBe('KILN_ERR_CONFIG');
    expect(error?.key).toBe('collector.timeoutMS');
    expect(error?.message).toContain('unknown key');
  });

  it('reports unreadable files and invalid YAML', () => {
    expect(() => loadConfigFile('/nonexistent/kiln.yaml', schema)).toThrow(
      '/nonexistent/kiln.yaml: (top level): cannot read the file (ENOENT)',
    );
    const file = write('collector: [unclosed\n');
    expect(() => loadConfigFile(file, schema)).toThrow(`${file}: (top level): not valid YAML/JSON`);
  });
});
