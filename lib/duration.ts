/**
 * Human durations in config and flags: `500ms`, `30s`, `5m`, `12h`, `7d`, `2w`, or combined (`1d12h`).
 */
import { KilnError } from './errors.ts';

const unitMs: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses a duration string into milliseconds; throws KILN_ERR_USAGE with the accepted forms. */
export function parseDurationMs(text: string): number {
  const trimmed = text.trim();
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed !== trimmed) {
    throw new KilnError(
      'KILN_ERR_USAGE',
      `invalid duration "${text}": expected a number with a unit (ms, s, m, h, d, w), e.g. 30s or 7d`,
    );
  }
  return parts.reduce((total, p) => total + Number(p[1]) * (unitMs[p[2]!] ?? 0), 0);
}

/** Formats milliseconds compactly for tables: `3d4h`, `12m`, `45s`. */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms));
  if (rest < 1000) return `${sign}${rest}ms`;
  const out: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out.push(`${n}${unit}`);
    rest -= n * size;
    if (out.length === 2) break;
  }
  return sign + out.join('');
}
