/**
 * Whether this fleet accepts an attested instance (pure). The signature says who the instance is;
 * these rules say whether it belongs here. Refusals name the rule, so an operator can fix a
 * misconfiguration from one log line.
 */
import type { AttestedInstance } from './aws-iid/document.ts';
import type { AwsAllowRules } from './config.ts';

/** What EC2 said about the instance (`verifyInstance`), when asked. */
export interface CloudApiFacts {
  state: string;
  launchTime?: string;
  autoscalingGroup?: string;
  privateDnsName?: string;
}

/** The outcome of the allow rules. */
export type AllowDecision = { allowed: true } | { allowed: false; reason: string };

/** Applies the rules; `bakedImage` says whether a recorded bake produced the image. */
export function decideAllowed(
  instance: AttestedInstance,
  rules: AwsAllowRules,
  context: { bakedImage?: boolean; cloud?: CloudApiFacts },
): AllowDecision {
  if (rules.accounts.length === 0) {
    return refuse(
      'no AWS account is allowed to enroll: set enrollment.aws.allow.accounts in the collector config',
    );
  }
  if (!rules.accounts.includes(instance.accountId)) {
    return refuse(`account ${instance.accountId} is not in enrollment.aws.allow.accounts`);
  }
  if (rules.regions.length > 0 && !rules.regions.includes(instance.region)) {
    return refuse(`region ${instance.region} is not in enrollment.aws.allow.regions`);
  }
  if (rules.imageIds.length > 0 && !rules.imageIds.includes(instance.imageId)) {
    return refuse(`image ${instance.imageId} is not in enrollment.aws.allow.imageIds`);
  }
  if (rules.bakedImagesOnly && !context.bakedImage) {
    return refuse(`image ${instance.imageId} was not produced by a recorded kiln bake (bakedImagesOnly)`);
  }
  if (rules.autoscalingGroups.length > 0) {
    const group = context.cloud?.autoscalingGroup;
    if (!group || !rules.autoscalingGroups.includes(group)) {
      return refuse(
        `the instance's Auto Scaling group (${group ?? 'none, or verifyInstance is off'}) is not in enrollment.aws.allow.autoscalingGroups`,
      );
    }
  }
  return { allowed: true };
}

function refuse(reason: string): AllowDecision {
  return { allowed: false, reason };
}
