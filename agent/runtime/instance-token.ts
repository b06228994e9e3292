/**
 * The per-instance token and how the agent gets it. The agent proves who it is with the EC2
 * identity document (signed by AWS: nothing secret is baked into the image or put in user-data)
 * or, off EC2, an enrollment token read at run time. With either it presents its holder secret:
 * 32 random bytes it makes once and keeps in the state directory (mode 0600), so the collector
 * binds the instance id to this agent and refuses anyone else who claims it. The secret is written
 * before the first request, so a lost answer never locks the agent out (it simply asks again).
 * The instance token is kept beside it; a 401 on a batch makes the agent enroll again.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KilnError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import type { EnrollRequest } from '../../lib/wire.ts';
import type { AgentConfig } from '../config.ts';
import { fetchIdentityAttestation } from '../facts/imds.ts';
import type { AgentIdentity } from '../pipeline/source.ts';
import type { CollectorClient } from '../shipper/collector-client.ts';
import type { TokenProvider } from '../shipper/shipper.ts';
import { readEnrollmentToken } from './enrollment-token.ts';

/** Provides the instance token, enrolling when there is none. */
export class InstanceTokens implements TokenProvider {
  readonly #file: string;
  readonly #secretFile: string;
  readonly #config: AgentConfig;
  readonly #identity: AgentIdentity;
  readonly #client: CollectorClient;
  readonly #log: Logger;
  #token: Promise<string> | undefined;

  constructor(config: AgentConfig, identity: AgentIdentity, client: CollectorClient, log: Logger) {
    this.#file = join(config.stateDir, 'instance-token');
    this.#secretFile = join(config.stateDir, 'enrollment-secret');
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
    await mkdir(this.#config.stateDir, { recursive: true, mode: 0o700 });
    const request: EnrollRequest = {
      ...(await this.#credential()),
      enrollmentSecret: await this.#secret(),
      instance: {
        id: this.#identity.instanceId,
        hostname: this.#identity.hostname,
        bootId: this.#identity.bootId,
        imageId: this.#identity.imageId,
        bakeId: this.#identity.bakeId,
      },
    };
    const answer = await this.#client.enroll(request);
    await writePrivate(this.#file, answer.instanceToken);
    this.#log.info('enrolled with the collector', {
      'cloud.instance.id': answer.instanceId,
      'kiln.enrollment.method': answer.method,
      'kiln.enrollment.holder': answer.holder,
    });
    return answer.instanceToken;
  }

  /** The proof of identity the config asks for: the signed identity document, or the token. */
  async #credential(): Promise<Pick<EnrollRequest, 'attestation' | 'enrollmentToken'>> {
    const { collector, facts } = this.#config;
    if (collector.attestation !== 'token') {
      const signed = await fetchIdentityAttestation({
        baseUrl: facts.imdsUrl,
        timeoutMs: facts.imdsTimeoutMs,
      });
      if (signed) return { attestation: { type: 'aws-iid', ...signed } };
      if (collector.attestation === 'aws-iid') {
        throw new KilnError(
          'KILN_ERR_CONFIG',
          `collector.attestation is aws-iid but the instance metadata service (${facts.imdsUrl}) serves no signed identity document`,
        );
      }
    }
    if (!collector.enrollmentToken) {
      throw new KilnError(
        'KILN_ERR_CONFIG',
        'no way to enroll: not on EC2 (no identity document) and no collector.enrollmentToken configured; create one with `kiln token create --instance ID`',
      );
    }
    return {
      enrollmentToken: await readEnrollmentToken(
        collector.enrollmentToken,
        facts.imdsUrl,
        facts.imdsTimeoutMs,
      ),
    };
  }

  /** The holder secret, made once and kept. */
  async #secret(): Promise<string> {
    const saved = (await readFile(this.#secretFile, 'utf8').catch(() => '')).trim();
    if (saved) return saved;
    const secret = `kiln_sec_${randomBytes(32).toString('base64url')}`;
    await writePrivate(this.#secretFile, secret);
    return secret;
  }
}

/** Writes a file readable by the agent's user only, atomically. */
async function writePrivate(file: string, content: string): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, content, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
}
