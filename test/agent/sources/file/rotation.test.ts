import { describe, expect, it } from 'vitest';
import { decideRotation, type RotationState } from '../../../../agent/sources/file/rotation.ts';

const tracked = { dev: 1, ino: 42, readOffset: 500 };

describe('decideRotation', () => {
  const cases: Array<[string, Parameters<typeof decideRotation>[0], RotationState]> = [
    [
      'same inode, grown',
      { open: { size: 900, nlink: 1 }, atPath: { dev: 1, ino: 42 }, tracked, headMatches: true },
      'active',
    ],
    [
      'same inode, nothing new',
      { open: { size: 500, nlink: 1 }, atPath: { dev: 1, ino: 42 }, tracked, headMatches: true },
      'active',
    ],
    [
      'shrunk below what was read (copytruncate)',
      { open: { size: 10, nlink: 1 }, atPath: { dev: 1, ino: 42 }, tracked, headMatches: true },
      'truncated',
    ],
    [
      'rewritten past the old size but the head changed',
      { open: { size: 9000, nlink: 1 }, atPath: { dev: 1, ino: 42 }, tracked, headMatches: false },
      'truncated',
    ],
    [
      'path points to a new inode (rename + create)',
      { open: { size: 500, nlink: 1 }, atPath: { dev: 1, ino: 43 }, tracked, headMatches: true },
      'moved',
    ],
    [
      'path gone but inode still linked (renamed away)',
      { open: { size: 500, nlink: 1 }, atPath: undefined, tracked, headMatches: true },
      'moved',
    ],
    [
      'no links left (deleted)',
      { open: { size: 500, nlink: 0 }, atPath: undefined, tracked, headMatches: true },
      'deleted',
    ],
    [
      'deleted and a new file created at the path',
      { open: { size: 500, nlink: 0 }, atPath: { dev: 1, ino: 99 }, tracked, headMatches: true },
      'deleted',
    ],
    [
      'same inode number on another device',
      { open: { size: 500, nlink: 1 }, atPath: { dev: 2, ino: 42 }, tracked, headMatches: true },
      'moved',
    ],
  ];
  for (const [name, observation, expected] of cases) {
    it(name, () => expect(decideRotation(observation)).toBe(expected));
  }
});
