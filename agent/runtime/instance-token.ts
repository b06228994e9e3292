/**
 * The per-instance token: enrolled once, then kept in the state directory (mode 0600) so a
 * restart does not enroll again. A 401 on a batch means it was revoked or expired: the file is
 * replaced by a fresh enrollment.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../lib/log.ts';
import type { EnrollRequest } from '../../lib/wire.ts';
import type { AgentConfig } from '../config.ts';
import type { AgentIdentity } from '../pipeline/source.ts';
import type { CollectorClient } from '../shipper/collector-client.ts';
import type { TokenProvider } from '../shipper/shipper.ts';
import { readEnrollmentToken } from './enrollment-token.ts';

/** Provides the instance token, enrolling when there is none. */
export class InstanceTokens implements TokenProvider {
  readonly #file: string;
  readonly #config: AgentConfig;
  readonly #identity: AgentIdentity;
  readonly #client: CollectorClient;
  readonly #log: Logger;
  #token: Promise<string> | undefined;

  constructor(config: AgentConfig, identity: AgentIdentity, client: CollectorClient, log: Logger) {
    this.#file = join(config.stateDir, 'instance-token');
    this.#config = config;
    this.#identity = identity;
    this.#client = client;
    this.#log = log;
  }

  /** The saved token, or a new one from enrollment. */
  get(): Promise<string> {
    this.#token ??= this.#load().catch((error) => {
      this.#token = undefined;
      throw error;
    });
    return this.#token;
  }

  /** Forgets the token and enrolls again. */
  async renew(): Promise<string> {
    await rm(this.#file, { force: true });
    this.#token = undefined;
    return this.get();
  }

  async #load(): Promise<string> {
    const saved = await readFile(this.#file, 'utf8').catch(() => '');
    if (saved.trim()) return saved.trim();
    const { facts, collector } = this.#config;
    const enrollmentToken = await readEnrollmentToken(
      collector.enrollmentToken,
      facts.imdsUrl,
      facts.imdsTimeoutMs,
    );
    const id = this.#identity;
    const request: EnrollRequest = {
      enrollmentToken,
      instance: {
        id: id.instanceId,
        hostname: id.hostname,
        bootId: id.bootId,
        imageId: id.imageId,
        bakeId: id.bakeId,
      },
    };
    const answer = await this.#client.enroll(request);
    await mkdir(this.#config.stateDir, { recursive: true, mode: 0o700 });
    const temp = `${this.#file}.tmp-${process.pid}`;
    await writeFile(temp, answer.instanceToken, { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, this.#file);
    this.#log.info('enrolled with the collector', { 'cloud.instance.id': answer.instanceId });
    return answer.instanceToken;
  }
}
