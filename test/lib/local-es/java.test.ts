/**
 * Which Java runs which Elasticsearch: ES 8 on Java 17+, ES 9 on Java 21+
 * (https://www.elastic.co/support/matrix#matrix_jvm), found among the machine's JDKs.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findJava, javaCandidates, parseJavaMajor, requiredJavaMajor } from '../../../lib/local-es/index.ts';

const scratch = mkdtempSync(join(tmpdir(), 'kiln-java-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A JDK home whose bin/java prints what `java -version` of that release prints. */
function fakeJdk(parent: string, name: string, version: string): string {
  const home = join(parent, name);
  mkdirSync(join(home, 'bin'), { recursive: true });
  writeFileSync(join(home, 'bin', 'java'), `#!/bin/sh\necho 'openjdk version "${version}" 2024-01-16' >&2\n`);
  chmodSync(join(home, 'bin', 'java'), 0o755);
  return home;
}

describe('requiredJavaMajor', () => {
  it.each([
    ['8.19.21', 17],
    ['8.9.0', 17],
    ['9.0.0', 21],
    ['9.2.4', 21],
    ['10.0.0', 21],
  ])('Elasticsearch %s needs Java %i', (version, major) => {
    expect(requiredJavaMajor(version)).toBe(major);
  });
});

describe('parseJavaMajor', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "25.0.3" 2026-04-21 LTS', 25],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "21" 2023-09-19', 21],
    ['no version here', undefined],
  ])('%s → %s', (output, major) => {
    expect(parseJavaMajor(output)).toBe(major);
  });
});

describe('findJava on a machine with several JDKs', () => {
  const parent = join(scratch, 'jvm');
  const old = fakeJdk(parent, 'a-openjdk-11', '11.0.22');
  const jdk17 = fakeJdk(parent, 'b-openjdk-17', '17.0.10');
  const jdk21 = fakeJdk(parent, 'c-temurin-21', '21.0.2');
  const bare = { PATH: '/nonexistent' };

  it('lists JAVA_HOME first, then the JDK homes under the parent directories in name order', () => {
    expect(javaCandidates({ ...bare, JAVA_HOME: jdk21 }, [parent])).toEqual([jdk21, old, jdk17]);
  });

  it('picks the first Java new enough for the version: 17 for ES 8, 21 for ES 9', () => {
    expect(findJava('8.19.21', bare, [parent])).toEqual({ home: jdk17, major: 17 });
    expect(findJava('9.2.4', bare, [parent])).toEqual({ home: jdk21, major: 21 });
  });

  it('says which Java it needs and which it found when none is new enough', () => {
    const only = join(scratch, 'only-old');
    fakeJdk(only, 'jdk17', '17.0.10');
    expect(() => findJava('9.2.4', bare, [only])).toThrow(
      `no Java new enough: Elasticsearch 9.2.4 needs Java 21 or newer, found only Java 17 at ${join(only, 'jdk17')}`,
    );
    expect(() => findJava('9.2.4', bare, [join(scratch, 'none')])).toThrow(
      /^Java not found: Elasticsearch 9.2.4 needs Java 21 or newer/,
    );
  });

  it('honours ES_JAVA_HOME or refuses it, never passing over it', () => {
    expect(findJava('8.19.21', { ...bare, ES_JAVA_HOME: jdk21 }, [parent])).toEqual({
      home: jdk21,
      major: 21,
    });
    expect(() => findJava('9.2.4', { ...bare, ES_JAVA_HOME: jdk17 }, [parent])).toThrow(
      `Java 17 at ES_JAVA_HOME=${jdk17} is too old: Elasticsearch 9.2.4 needs Java 21 or newer`,
    );
  });

  it('finds a Java 21+ on this machine for Elasticsearch 9 (the CI machine has Temurin 25)', () => {
    const { ES_JAVA_HOME: _ignored, ...env } = process.env;
    expect(findJava('9.2.4', env).major).toBeGreaterThanOrEqual(21);
    expect(findJava('8.19.21', env).major).toBeGreaterThanOrEqual(17);
  });
});
