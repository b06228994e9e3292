/**
 * The optional second opinion of EC2 itself (`enrollment.aws.verifyInstance`): DescribeInstances
 * with the collector's credentials, so a document of an instance that no longer runs is refused,
 * and the Auto Scaling group and private DNS name become cloud-API facts rather than claims.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html
 */
import { KilnError } from '../../../lib/errors.ts';
import type { CloudApiFacts } from '../allow.ts';

/** Asks EC2 about one instance; undefined when EC2 does not know it. */
export type DescribeInstance = (instanceId: string, region: string) => Promise<CloudApiFacts | undefined>;

/** A DescribeInstance backed by the AWS SDK (loaded only when used). */
export function ec2DescribeInstance(endpoint?: string): DescribeInstance {
  return async (instanceId, region) => {
    const { EC2Client, DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
    const ec2 = new EC2Client({ region, ...(endpoint ? { endpoint } : {}) });
    try {
      const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      const instance = answer.Reservations?.flatMap((r) => r.Instances ?? []).find(
        (i) => i.InstanceId === instanceId,
      );
      if (!instance) return undefined;
      const group = instance.Tags?.find((t) => t.Key === 'aws:autoscaling:groupName')?.Value;
      return {
        state: instance.State?.Name ?? 'unknown',
        ...(instance.LaunchTime ? { launchTime: instance.LaunchTime.toISOString() } : {}),
        ...(group ? { autoscalingGroup: group } : {}),
        ...(instance.PrivateDnsName ? { privateDnsName: instance.PrivateDnsName } : {}),
      };
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (name === 'InvalidInstanceID.NotFound' || name === 'InvalidInstanceID.Malformed') return undefined;
      // EC2 unreachable or throttling: the enrollment can be retried (503), like Elasticsearch being down.
      if (name === 'RequestLimitExceeded' || (error as { $retryable?: unknown }).$retryable || !name) {
        throw new KilnError(
          'KILN_ERR_CLOUD_UNAVAILABLE',
          `EC2 DescribeInstances failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      throw new KilnError('KILN_ERR_COLLECTOR', `EC2 DescribeInstances failed: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      ec2.destroy();
    }
  };
}
