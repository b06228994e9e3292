/**
 * The AWS actions. `aws-asg` terminates the instance in its Auto Scaling group with
 * ShouldDecrementDesiredCapacity=false, so the group launches a fresh instance from its current
 * launch template (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_TerminateInstanceInAutoScalingGroup.html).
 * `aws-ec2-terminate` terminates an instance outside any group. Credentials come from the standard
 * AWS chain on the collector (environment, profile, instance role), never from the policy.
 */
import { AutoScalingClient, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { Action } from './action.ts';
import { awsFailure } from './aws-failure.ts';
import type { ActionConfig } from './config.ts';

type AwsConfig = Extract<ActionConfig, { type: 'aws-asg' | 'aws-ec2-terminate' }>;

function clientConfig(config: AwsConfig): { region?: string; endpoint?: string; maxAttempts: number } {
  // The engine owns retries (and audits each attempt), so the SDK tries once.
  return {
    maxAttempts: 1,
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  };
}

/** Terminate in the Auto Scaling group without decrementing desired capacity. */
export function createAwsAsgAction(config: Extract<AwsConfig, { type: 'aws-asg' }>): Action {
  const client = new AutoScalingClient(clientConfig(config));
  return {
    type: 'aws-asg',
    async run(req) {
      const started = performance.now();
      try {
        const out = await client.send(
          new TerminateInstanceInAutoScalingGroupCommand({
            InstanceId: req.decision.instanceId,
            ShouldDecrementDesiredCapacity: false,
          }),
        );
        return {
          ok: true,
          durationMs: Math.round(performance.now() - started),
          statusCode: out.$metadata.httpStatusCode ?? 200,
          detail: {
            activity_id: out.Activity?.ActivityId,
            group: out.Activity?.AutoScalingGroupName,
            description: out.Activity?.Description,
          },
        };
      } catch (error) {
        return awsFailure(started, error);
      }
    },
  };
}

/** Terminate the instance itself (no group relaunches it). */
export function createAwsEc2TerminateAction(
  config: Extract<AwsConfig, { type: 'aws-ec2-terminate' }>,
): Action {
  const client = new EC2Client(clientConfig(config));
  return {
    type: 'aws-ec2-terminate',
    async run(req) {
      const started = performance.now();
      try {
        const out = await client.send(
          new TerminateInstancesCommand({ InstanceIds: [req.decision.instanceId] }),
        );
        const change = out.TerminatingInstances?.[0];
        return {
          ok: true,
          durationMs: Math.round(performance.now() - started),
          statusCode: out.$metadata.httpStatusCode ?? 200,
          detail: { previous_state: change?.PreviousState?.Name, current_state: change?.CurrentState?.Name },
        };
      } catch (error) {
        return awsFailure(started, error);
      }
    },
  };
}
