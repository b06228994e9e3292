/**
 * Attested instances for tests: an EC2 identity document signed with a test key by the real
 * `openssl` (bin/demo/iid-signer.ts), served by the IMDSv2 stand-in, or posted directly as an
 * instance would. The collector under test trusts the signer's certificate (only the key is not
 * AWS's; the protocol and the PKCS#7 are the real ones).
 */
import type { IidSigner } from '../../bin/demo/iid-signer.ts';
import { type DemoInstanceMetadata, metadataPaths } from '../../bin/demo/imds-stand-in.ts';
import type { EnrollResponse } from '../../lib/wire.ts';

/** The test account every attested instance is in (allowed by the test collectors). */
export const testAccount = '123456789012';

/** The metadata of one test instance. */
export function instanceMetadata(
  instanceId: string,
  overrides: Partial<DemoInstanceMetadata> = {},
): DemoInstanceMetadata {
  return {
    instanceId,
    imageId: 'ami-0a1b2c3d4e5f60718',
    instanceType: 't3.micro',
    region: 'eu-west-1',
    availabilityZone: 'eu-west-1a',
    accountId: testAccount,
    launchedAt: new Date(Date.now() - 60_000),
    autoscalingGroup: 'web-asg',
    ...overrides,
  };
}

/** The identity document and signature IMDS would serve for `metadata`. */
export function signedDocument(
  signer: IidSigner,
  metadata: DemoInstanceMetadata,
): { document: string; pkcs7: string } {
  const paths = metadataPaths(metadata, (d) => signer.sign(d));
  return {
    document: paths.get('dynamic/instance-identity/document')!,
    pkcs7: paths.get('dynamic/instance-identity/pkcs7')!,
  };
}

/** A secret of the right shape, distinct per label. */
export function secretFor(label: string): string {
  return `kiln_sec_${Buffer.from(label).toString('base64url').padEnd(43, 'A')}`;
}

/** POSTs an enrollment; returns the status and the parsed answer. */
export async function postEnroll(
  collectorUrl: string,
  body: unknown,
): Promise<{
  status: number;
  body: EnrollResponse & { error?: { code: string; reason: string } };
  retryAfter: string | null;
}> {
  const res = await fetch(`${collectorUrl}/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as never,
    retryAfter: res.headers.get('retry-after'),
  };
}
