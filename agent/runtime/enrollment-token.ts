/**
 * Reads the enrollment token at run time, never from the image: a file, an environment
 * variable, EC2 user-data (IMDSv2: PUT a session token, then GET with it —
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html)
 * or an SSM parameter (SecureString, decrypted).
 */
import { readFile } from 'node:fs/promises';
import { request } from 'undici';
import { KilnError } from '../../lib/errors.ts';
import type { AgentConfig } from '../config.ts';

type TokenSource = NonNullable<AgentConfig['collector']['enrollmentToken']>;

/** Finds `key` in user-data given as `key=value` lines, JSON or YAML-ish `key: value` lines. */
export function tokenFromUserData(userData: string, key: string): string | undefined {
  try {
    const parsed = JSON.parse(userData) as Record<string, unknown>;
    if (typeof parsed?.[key] === 'string') return parsed[key] as string;
  } catch {
    // not JSON: try the line formats
  }
  for (const line of userData.split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Za-z0-9_.-]+)\s*[=:]\s*["']?([^"'\s]+)["']?\s*$/.exec(line);
    if (match?.[1] === key) return match[2];
  }
  return undefined;
}

/** Reads the enrollment token from its configured source. */
export async function readEnrollmentToken(
  source: TokenSource,
  imdsUrl: string,
  timeoutMs: number,
): Promise<string> {
  if ('file' in source) {
    const text = await readFile(source.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new KilnError(
        'KILN_ERR_CONFIG',
        `collector.enrollmentToken.file: cannot read ${source.file} (${error.code})`,
      );
    });
    return nonEmpty(text.trim(), `the file ${source.file}`);
  }
  if ('env' in source)
    return nonEmpty(process.env[source.env]?.trim() ?? '', `the environment variable ${source.env}`);
  if ('userData' in source) {
    const session = await request(`${imdsUrl}/latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '300' },
      headersTimeout: timeoutMs,
    });
    const token = await session.body.text();
    const data = await request(`${imdsUrl}/latest/user-data`, {
      headers: { 'x-aws-ec2-metadata-token': token },
      headersTimeout: timeoutMs,
    });
    const text = await data.body.text();
    return nonEmpty(
      data.statusCode === 200 ? (tokenFromUserData(text, source.userData.key) ?? '') : '',
      `the user-data key ${source.userData.key}`,
    );
  }
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  const ssm = new SSMClient({ endpoint: source.ssmParameter.endpoint, region: source.ssmParameter.region });
  try {
    const answer = await ssm.send(
      new GetParameterCommand({ Name: source.ssmParameter.name, WithDecryption: true }),
    );
    return nonEmpty(answer.Parameter?.Value ?? '', `the SSM parameter ${source.ssmParameter.name}`);
  } finally {
    ssm.destroy();
  }
}

function nonEmpty(value: string, where: string): string {
  if (value === '') {
    throw new KilnError(
      'KILN_ERR_CONFIG',
      `no enrollment token in ${where}; create one with \`kiln token create\``,
    );
  }
  return value;
}
