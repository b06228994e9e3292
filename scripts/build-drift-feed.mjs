// Builds the drift change feed (native/drift-feed, Go) as dist/kiln-drift-feed-linux-<arch>, a
// static executable per architecture. Without Go the agent still works: its drift checks walk
// the roots instead of reading only what the feed reports (docs/facts-drift-registry.md).
import { execFileSync, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';

const goArch = { x64: 'amd64', arm64: 'arm64' };

/** Builds the feed for each arch; returns the executables built, or a reason when Go is missing. */
export function buildDriftFeed({ arches }) {
  const go = [process.env.KILN_GO, 'go', '/usr/local/go/bin/go', '/usr/lib/go/bin/go'].find(
    (candidate) => candidate && spawnSync(candidate, ['version'], { stdio: 'ignore' }).status === 0,
  );
  if (!go) return { skipped: "Go is not installed (the agent's drift checks will walk the roots)" };
  const root = join(import.meta.dirname, '..');
  const built = [];
  for (const arch of arches) {
    const out = join(root, 'dist', `kiln-drift-feed-linux-${arch}`);
    execFileSync(go, ['build', '-trimpath', '-ldflags=-s -w', '-o', out, '.'], {
      cwd: join(root, 'native', 'drift-feed'),
      env: { ...process.env, CGO_ENABLED: '0', GOOS: 'linux', GOARCH: goArch[arch] },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    built.push({ path: out, bytes: statSync(out).size });
  }
  return { built };
}
