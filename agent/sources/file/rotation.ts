/**
 * What happened to a tailed file since the last look, decided from stat results alone (pure).
 * Rename: the path points to another inode (or nothing) but ours still has links — keep
 * reading our open descriptor to its end. Deletion: no links left — read to the end, then
 * let go. Truncation (copytruncate): the file shrank below what we read, or its first bytes
 * changed — the content is new.
 */

/** The facts the decision needs. */
export interface RotationObservation {
  /** Our open descriptor's inode: current size and link count. */
  open: { size: number; nlink: number };
  /** What the configured path points to now; undefined when it is gone. */
  atPath: { dev: number; ino: number } | undefined;
  tracked: { dev: number; ino: number; readOffset: number };
  /** Whether the first bytes still hash to the remembered head hash. */
  headMatches: boolean;
}

/** The state of a tailed file. */
export type RotationState = 'active' | 'truncated' | 'moved' | 'deleted';

/** Decides what happened to the file. */
export function decideRotation(o: RotationObservation): RotationState {
  if (o.open.size < o.tracked.readOffset || !o.headMatches) return 'truncated';
  if (o.open.nlink === 0) return 'deleted';
  if (!o.atPath || o.atPath.dev !== o.tracked.dev || o.atPath.ino !== o.tracked.ino) return 'moved';
  return 'active';
}
