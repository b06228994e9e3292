/**
 * How the demo's instances prove who they are: as on EC2, with a signed instance identity
 * document served by their IMDSv2 stand-in, and no token anywhere. The documents are signed with
 * a demo key (real PKCS#7 by `openssl`) that the demo's collector trusts beside AWS's certificate.
 * Without `openssl`, each instance gets an enrollment token bound to its id instead.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { TokenStore } from '../../collector/tokens/token-store.ts';
import { hasCode } from '../../lib/errors.ts';
import type { IndexNames } from '../../lib/indices.ts';
import { createIidSigner, type IidSigner } from './iid-signer.ts';
import { type DemoInstanceMetadata, metadataPaths } from './imds-stand-in.ts';

/** The demo's account: the collector admits only it. */
export const demoAccountId = '123456789012';

/** What the rest of the demo needs. */
export interface DemoIdentity {
  /** The collector config (enrollment rules) to pass with --config. */
  collectorConfig: string;
  /** `attested` (signed documents) or `bound` (tokens, when openssl is missing). */
  mode: 'attested' | 'bound';
  /** The IMDS paths of an instance (with its signature when attested). */
  metadataPaths(metadata: DemoInstanceMetadata): Map<string, string>;
  /** The agent config's `collector` section for an instance. */
  collectorSection(instanceId: string, collectorUrl: string): Promise<Record<string, unknown>>;
  dispose(): void;
}

/** Prepares signed identities (or bound tokens) for the demo instances in `dir`. */
export function prepareDemoIdentity(dir: string, client: Client, names: IndexNames): DemoIdentity {
  let signer: IidSigner | undefined;
  try {
    signer = createIidSigner('dsa', '/C=US/O=kiln demo signer');
  } catch (error) {
    if (!hasCode(error, 'KILN_ERR_MISSING_TOOL')) throw error;
  }
  const collectorConfig = join(dir, 'collector.json');
  writeFileSync(
    collectorConfig,
    `${JSON.stringify(
      {
        enrollment: {
          aws: {
            ...(signer ? { certificateFiles: [signer.certFile] } : {}),
            allow: { accounts: [demoAccountId] },
            // The demo's instances were "launched" hours ago but enroll now: allow a day.
            maxDocumentAgeMs: 86_400_000,
          },
          allowFleetTokens: false,
        },
      },
      null,
      2,
    )}\n`,
  );
  const tokens = new TokenStore(client, names);
  return {
    collectorConfig,
    mode: signer ? 'attested' : 'bound',
    metadataPaths: (metadata) => metadataPaths(metadata, signer ? (d) => signer.sign(d) : undefined),
    collectorSection: async (instanceId, collectorUrl) => {
      if (signer) return { url: collectorUrl, attestation: 'aws-iid' };
      const { token } = await tokens.createEnrollmentToken({
        scope: 'bound',
        instanceIds: [instanceId],
        description: `kiln demo ${instanceId}`,
        ttlMs: 86_400_000,
      });
      const tokenFile = join(dir, `${instanceId}.enrollment-token`);
      writeFileSync(tokenFile, token, { mode: 0o600 });
      return { url: collectorUrl, attestation: 'token', enrollmentToken: { file: tokenFile } };
    },
    dispose: () => signer?.dispose(),
  };
}
