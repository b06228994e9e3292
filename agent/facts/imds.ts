/**
 * A client for the EC2 instance metadata service, version 2
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html):
 * PUT /latest/api/token with a TTL header, then GETs carrying the token. Every request has a short
 * timeout; no answer means "not on EC2", which is normal and never an error.
 */
import { request } from 'undici';

/** The token TTL asked for; the client lives for one collection, so a minute is plenty. */
const tokenTtlSeconds = 60;

/** What the instance metadata says about this instance (fields absent when not offered). */
export interface CloudFacts {
  provider: 'aws';
  instanceId: string;
  imageId?: string;
  instanceType?: string;
  region?: string;
  availabilityZone?: string;
  accountId?: string;
  /** When the instance was launched (`pendingTime` of the identity document). */
  launchTime?: string;
  /** `autoscaling/target-lifecycle-state`, e.g. InService or Terminated. */
  lifecycleState?: string;
  /** `spot/instance-action` as sent (JSON text), when a spot interruption is scheduled. */
  spotAction?: string;
  /** The Auto Scaling group, when instance tags are exposed in the metadata. */
  autoscalingGroup?: string;
}

/** IMDS client settings. */
export interface ImdsOptions {
  /** Base URL. Default http://169.254.169.254. */
  baseUrl: string;
  /** Per-request timeout. Default 1000 ms. */
  timeoutMs: number;
}

/** An IMDSv2 session: one token, then metadata reads. */
export class ImdsClient {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  #token: Promise<string | undefined> | undefined;

  constructor(options: ImdsOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/$/, '');
    this.#timeoutMs = options.timeoutMs;
  }

  /** Gets a session token once; undefined when the service does not answer (off-cloud). */
  token(): Promise<string | undefined> {
    this.#token ??= this.#call('PUT', '/latest/api/token', {
      'x-aws-ec2-metadata-token-ttl-seconds': String(tokenTtlSeconds),
    }).then((answer) => (answer?.status === 200 && answer.body.trim() ? answer.body.trim() : undefined));
    return this.#token;
  }

  /** Reads one metadata path (e.g. `meta-data/instance-id`); undefined when absent. */
  async get(path: string): Promise<string | undefined> {
    const token = await this.token();
    if (!token) return undefined;
    const answer = await this.#call('GET', `/latest/${path}`, { 'x-aws-ec2-metadata-token': token });
    return answer?.status === 200 ? answer.body : undefined;
  }

  async #call(
    method: 'GET' | 'PUT',
    path: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: string } | undefined> {
    try {
      const response = await request(`${this.#baseUrl}${path}`, {
        method,
        headers,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      return { status: response.statusCode, body: await response.body.text() };
    } catch {
      // Unreachable, refused or timed out: there is no metadata service here.
      return undefined;
    }
  }
}

/**
 * The signed instance identity document (`dynamic/instance-identity/document` and its `pkcs7`
 * signature, https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/verify-iid.html), as served:
 * the collector verifies it. Undefined off EC2 (or when IMDS serves no signature).
 */
export async function fetchIdentityAttestation(
  options: ImdsOptions,
): Promise<{ document: string; pkcs7: string } | undefined> {
  const imds = new ImdsClient(options);
  const [document, pkcs7] = await Promise.all([
    imds.get('dynamic/instance-identity/document'),
    imds.get('dynamic/instance-identity/pkcs7'),
  ]);
  if (!document?.trim() || !pkcs7?.trim()) return undefined;
  return { document, pkcs7: pkcs7.trim() };
}

/** Collects the cloud facts, or undefined off-cloud. */
export async function fetchCloudFacts(options: ImdsOptions): Promise<CloudFacts | undefined> {
  const imds = new ImdsClient(options);
  const instanceId = await imds.get('meta-data/instance-id');
  if (!instanceId) return undefined;
  const [imageId, instanceType, zone, region, identityDoc, lifecycle, spot, group] = await Promise.all([
    imds.get('meta-data/ami-id'),
    imds.get('meta-data/instance-type'),
    imds.get('meta-data/placement/availability-zone'),
    imds.get('meta-data/placement/region'),
    imds.get('dynamic/instance-identity/document'),
    imds.get('meta-data/autoscaling/target-lifecycle-state'),
    imds.get('meta-data/spot/instance-action'),
    imds.get('meta-data/tags/instance/aws:autoscaling:groupName'),
  ]);
  const identity = parseIdentityDocument(identityDoc);
  const facts: CloudFacts = { provider: 'aws', instanceId: instanceId.trim() };
  const set = <K extends keyof CloudFacts>(key: K, value: CloudFacts[K] | undefined) => {
    if (value !== undefined && value !== '') facts[key] = value;
  };
  set('imageId', imageId?.trim() ?? identity.imageId);
  set('instanceType', instanceType?.trim() ?? identity.instanceType);
  set('availabilityZone', zone?.trim() ?? identity.availabilityZone);
  set('region', region?.trim() ?? identity.region);
  set('accountId', identity.accountId);
  set('launchTime', identity.pendingTime);
  set('lifecycleState', lifecycle?.trim());
  set('spotAction', spot?.trim());
  set('autoscalingGroup', group?.trim());
  return facts;
}

/** The fields kiln reads from the instance identity document (JSON). */
export function parseIdentityDocument(text: string | undefined): {
  accountId?: string;
  imageId?: string;
  instanceType?: string;
  region?: string;
  availabilityZone?: string;
  pendingTime?: string;
} {
  if (!text) return {};
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    const str = (key: string) => (typeof doc[key] === 'string' ? (doc[key] as string) : undefined);
    const pending = str('pendingTime');
    return {
      ...(str('accountId') ? { accountId: str('accountId') } : {}),
      ...(str('imageId') ? { imageId: str('imageId') } : {}),
      ...(str('instanceType') ? { instanceType: str('instanceType') } : {}),
      ...(str('region') ? { region: str('region') } : {}),
      ...(str('availabilityZone') ? { availabilityZone: str('availabilityZone') } : {}),
      ...(pending && !Number.isNaN(Date.parse(pending))
        ? { pendingTime: new Date(Date.parse(pending)).toISOString() }
        : {}),
    };
  } catch {
    return {};
  }
}
