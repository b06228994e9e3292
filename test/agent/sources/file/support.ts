/** Shared helpers of the file source tests: a recording sink, a config builder, polling. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentConfig, agentConfigSchema } from '../../../../agent/config.ts';
import type { AgentIdentity, EncodedEvent, EventSink } from '../../../../agent/pipeline/source.ts';
import type { WireEvent } from '../../../../lib/wire.ts';

/** The identity the tests run as. */
export const identity: AgentIdentity = { instanceId: 'i-test', hostname: 'test-host', bootId: 'boot-1' };

/** A temp dir with logs/ and state/ paths. */
export function tempDirs(label: string): { base: string; logs: string; state: string } {
  const base = mkdtempSync(join(tmpdir(), `kiln-${label}-`));
  return { base, logs: join(base, 'logs'), state: join(base, 'state') };
}

/** An agent config with fast timings for tests. */
export function testConfig(
  stateDir: string,
  files: unknown[],
  inputs: Record<string, unknown> = {},
): AgentConfig {
  return agentConfigSchema.parse({
    collector: { url: 'http://127.0.0.1:1', enrollmentToken: { env: 'UNUSED' } },
    stateDir,
    inputs: {
      files,
      scanIntervalMs: 50,
      pollIntervalMs: 20,
      checkpointIntervalMs: 50,
      closeRotatedAfterMs: 100,
      ...inputs,
    },
  });
}

/**
 * Records events like the shipper would receive them. With `autoAck` every event is
 * acknowledged at once (a collector that stores everything); otherwise acks wait in `acks`.
 * `block()` makes push wait, like a full queue, until `unblock()`.
 */
export class RecordingSink implements EventSink {
  readonly events: WireEvent[] = [];
  readonly acks: Array<() => void> = [];
  autoAck: boolean;
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;

  constructor(autoAck = true) {
    this.autoAck = autoAck;
  }

  async push(event: WireEvent | EncodedEvent, onDurable: () => void): Promise<void> {
    while (this.#gate) await this.#gate;
    // The file source sends its events as JSON lines: record them as the collector reads them.
    const encoded = (event as EncodedEvent).encoded === true;
    this.events.push(
      encoded ? (JSON.parse((event as EncodedEvent).json) as WireEvent) : (event as WireEvent),
    );
    if (this.autoAck) onDurable();
    else this.acks.push(onDurable);
  }

  block(): void {
    this.#gate ??= new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  unblock(): void {
    const open = this.#open;
    this.#gate = undefined;
    this.#open = undefined;
    open?.();
  }

  messages(): string[] {
    return this.events.map((e) => e.message as string);
  }
}

/** Polls until `check` holds, or throws naming `what`. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** `count` numbered lines. */
export function numbered(prefix: string, from: number, count: number): string {
  let out = '';
  for (let i = from; i < from + count; i++) out += `${prefix} line ${i} ${'x'.repeat(20)}\n`;
  return out;
}
