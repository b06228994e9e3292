/**
 * The demo's EC2 instance metadata service. No EC2 metadata exists on a laptop, so each demo
 * agent gets a stand-in that speaks the real IMDSv2 protocol
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html):
 * `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds` gives a session token,
 * and every `GET /latest/…` without a valid token is refused with 401; unknown paths are 404.
 * `metadataPaths` builds what the agent reads: instance and image (AMI) id, type, placement,
 * the identity document (with `pendingTime`, the launch time) and the Auto Scaling group tag.
 * The agent's IMDS client tests serve their own paths through the same stand-in.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one demo instance's metadata says. */
export interface DemoInstanceMetadata {
  instanceId: string;
  imageId: string;
  instanceType: string;
  region: string;
  availabilityZone: string;
  accountId: string;
  /** Launch time (the identity document's `pendingTime`). */
  launchedAt: Date;
  autoscalingGroup: string;
}

/**
 * The metadata paths (under `/latest/`) and their answers. With a `sign` function (an IidSigner's),
 * the identity document also has its `pkcs7` signature, so the agent can enroll by attestation.
 */
export function metadataPaths(
  m: DemoInstanceMetadata,
  sign?: (document: string) => string,
): Map<string, string> {
  const pendingTime = `${m.launchedAt.toISOString().slice(0, 19)}Z`;
  const document = identityDocument(m, pendingTime);
  const paths = new Map([
    ['meta-data/instance-id', m.instanceId],
    ['meta-data/ami-id', m.imageId],
    ['meta-data/instance-type', m.instanceType],
    ['meta-data/placement/region', m.region],
    ['meta-data/placement/availability-zone', m.availabilityZone],
    ['meta-data/tags/instance/aws:autoscaling:groupName', m.autoscalingGroup],
    ['meta-data/autoscaling/target-lifecycle-state', 'InService'],
    ['dynamic/instance-identity/document', document],
  ]);
  if (sign) paths.set('dynamic/instance-identity/pkcs7', sign(document));
  return paths;
}

/** The identity document as IMDS serves it: pretty-printed JSON. */
function identityDocument(m: DemoInstanceMetadata, pendingTime: string): string {
  const doc = {
    accountId: m.accountId,
    architecture: 'x86_64',
    availabilityZone: m.availabilityZone,
    billingProducts: null,
    devpayProductCodes: null,
    marketplaceProductCodes: null,
    imageId: m.imageId,
    instanceId: m.instanceId,
    instanceType: m.instanceType,
    kernelId: null,
    pendingTime,
    privateIp: '10.0.0.10',
    ramdiskId: null,
    region: m.region,
    version: '2017-09-30',
  };
  return JSON.stringify(doc, null, 2);
}

/** A running stand-in: its base URL (for the agent's `facts.imdsUrl`) and how to stop it. */
export interface ImdsStandIn {
  url: string;
  stop(): void;
}

/** Stand-in settings. */
export interface ImdsStandInOptions {
  /** Told `METHOD url` of every request (tests check what the client asked). */
  onRequest?: (request: string) => void;
}

/** Serves metadata paths (relative to `/latest/`, as `metadataPaths` gives) on 127.0.0.1, a free port. */
export async function startImdsStandIn(
  paths: ReadonlyMap<string, string>,
  options: ImdsStandInOptions = {},
): Promise<ImdsStandIn> {
  const tokens = new Set<string>();
  const server: Server = createServer((req, res) => {
    options.onRequest?.(`${req.method} ${req.url}`);
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'PUT' && path === '/latest/api/token') {
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21_600) {
        res.writeHead(400).end();
        return;
      }
      const token = randomBytes(24).toString('base64url');
      tokens.add(token);
      res.writeHead(200, {
        'content-type': 'text/plain',
        'x-aws-ec2-metadata-token-ttl-seconds': String(ttl),
      });
      res.end(token);
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (!tokens.has(String(req.headers['x-aws-ec2-metadata-token'] ?? ''))) {
      res.writeHead(401).end();
      return;
    }
    const answer = paths.get(path.replace(/^\/latest\//, ''));
    if (answer === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}
