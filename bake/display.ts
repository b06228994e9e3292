/**
 * Shows a bake's progress: on a terminal one line redrawn in place (and every second, so the
 * elapsed time moves); in CI (`CI=true`) or when output is not a terminal, a plain line each
 * time the build, step, provisioner or task changes.
 */
import { type BakeProgress, progressLine } from './progress.ts';

/** A progress display. */
export interface ProgressDisplay {
  update(progress: BakeProgress): void;
  /** Prints a whole line (clearing the redrawn one first on a terminal). */
  print(line: string): void;
  stop(): void;
}

/** True when progress should be redrawn in place. */
export function isInteractive(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && env.CI !== 'true' && env.CI !== '1';
}

/** Creates the display writing to `write`. */
export function createProgressDisplay(options: {
  interactive: boolean;
  write: (text: string) => void;
  now: () => number;
}): ProgressDisplay {
  const { interactive, write, now } = options;
  let latest: BakeProgress | undefined;
  let lastPlain = '';
  let drawn = false;
  const draw = () => {
    if (!latest) return;
    write(`\r\x1b[2K${progressLine(latest, now())}`);
    drawn = true;
  };
  const timer = interactive ? setInterval(draw, 1000) : undefined;
  timer?.unref();
  return {
    update(progress) {
      latest = progress;
      if (interactive) return draw();
      const line = progressLine(progress, now());
      const identity = line.slice(line.indexOf(']') + 1);
      if (identity !== lastPlain) {
        lastPlain = identity;
        write(`${line}\n`);
      }
    },
    print(line) {
      if (interactive && drawn) write('\r\x1b[2K');
      write(`${line}\n`);
      if (interactive) draw();
    },
    stop() {
      if (timer) clearInterval(timer);
      if (interactive && drawn) write('\r\x1b[2K');
      drawn = false;
    },
  };
}
