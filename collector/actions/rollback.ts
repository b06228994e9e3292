/**
 * Rollback actions: point a group back to the previous good image, so whatever it launches next
 * runs that image. `aws-asg`: a new launch-template version with the old AMI, based on the
 * group's current version (CreateLaunchTemplateVersion with SourceVersion,
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html),
 * set as the group's version (UpdateAutoScalingGroup). `command`: run a program (e.g.
 * `terraform apply -var image_id=…`) for groups another tool owns. Neither replaces an instance:
 * the policy's replacement action does that afterwards, under its budgets. Outcomes are values.
 */
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import type { RollbackCommand } from '../policy/bad-image-config.ts';
import type { ActionResult } from './action.ts';
import { awsFailure } from './aws-failure.ts';
import { runArgv } from './command.ts';
import type { ActionConfig } from './config.ts';

/** What a rollback is asked to do for one group. */
export interface RollbackRequest {
  decisionId: string;
  group: string;
  badImageId: string;
  rollbackImageId: string;
}

/** Points one group back. */
export interface RollbackAction {
  readonly type: 'aws-asg' | 'command';
  run(request: RollbackRequest, signal?: AbortSignal): Promise<ActionResult>;
}

type AwsAsgConfig = Extract<ActionConfig, { type: 'aws-asg' }>;

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

/** The aws-asg rollback: a launch-template version with the old AMI, set as the group's version. */
export function createAwsAsgRollback(config: AwsAsgConfig): RollbackAction {
  const connection = {
    maxAttempts: 1,
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  };
  const asg = new AutoScalingClient(connection);
  const ec2 = new EC2Client(connection);
  return {
    type: 'aws-asg',
    async run(req) {
      const started = performance.now();
      try {
        const described = await asg.send(
          new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [req.group] }),
        );
        const group = described.AutoScalingGroups?.[0];
        if (!group) return refuse(started, `Auto Scaling group ${req.group} does not exist`);
        const spec = group.LaunchTemplate;
        if (!spec?.LaunchTemplateId && !spec?.LaunchTemplateName)
          return refuse(
            started,
            `group ${req.group} does not launch from a launch template (a launch configuration or a mixed-instances policy): kiln rolls back launch templates only; point the group back by hand`,
          );
        const template = spec.LaunchTemplateId
          ? { LaunchTemplateId: spec.LaunchTemplateId }
          : { LaunchTemplateName: spec.LaunchTemplateName! };
        const versions = await ec2.send(
          new DescribeLaunchTemplateVersionsCommand({ ...template, Versions: [spec.Version ?? '$Default'] }),
        );
        const current = versions.LaunchTemplateVersions?.[0];
        const currentImage = current?.LaunchTemplateData?.ImageId;
        const base = {
          group: req.group,
          launch_template_id: current?.LaunchTemplateId,
          previous_version: current?.VersionNumber,
          previous_image: currentImage,
        };
        if (currentImage === req.rollbackImageId)
          return { ok: true, durationMs: elapsed(started), detail: { ...base, already: true } };
        if (currentImage !== req.badImageId)
          return refuse(
            started,
            `group ${req.group} launches ${currentImage ?? 'an unknown image'} (launch template version ${current?.VersionNumber ?? '?'}), not the bad image ${req.badImageId}: it has moved on, and kiln never rolls forward and back at once; roll it back by hand if that image is bad too`,
            base,
          );
        const created = await ec2.send(
          new CreateLaunchTemplateVersionCommand({
            LaunchTemplateId: current!.LaunchTemplateId!,
            SourceVersion: String(current!.VersionNumber),
            VersionDescription:
              `kiln rollback ${req.badImageId} -> ${req.rollbackImageId} (${req.decisionId})`.slice(0, 255),
            LaunchTemplateData: { ImageId: req.rollbackImageId },
          }),
        );
        const version = created.LaunchTemplateVersion?.VersionNumber;
        await asg.send(
          new UpdateAutoScalingGroupCommand({
            AutoScalingGroupName: req.group,
            LaunchTemplate: { LaunchTemplateId: current!.LaunchTemplateId!, Version: String(version) },
          }),
        );
        return {
          ok: true,
          durationMs: elapsed(started),
          statusCode: 200,
          detail: { ...base, version, image: req.rollbackImageId },
        };
      } catch (error) {
        return awsFailure(started, error);
      }
    },
  };
}

function refuse(started: number, error: string, detail?: Record<string, unknown>): ActionResult {
  return { ok: false, retryable: false, durationMs: elapsed(started), error, ...(detail ? { detail } : {}) };
}

/** The argv of a rollback command with its placeholders filled in. */
export function rollbackArgv(command: readonly string[], req: RollbackRequest): string[] {
  return command.map((arg) =>
    arg
      .replaceAll('{rollback_image_id}', req.rollbackImageId)
      .replaceAll('{bad_image_id}', req.badImageId)
      .replaceAll('{group}', req.group),
  );
}

/** The command rollback, e.g. `terraform apply -var image_id={rollback_image_id}`. */
export function createCommandRollback(config: RollbackCommand): RollbackAction {
  return {
    type: 'command',
    run: (req, signal) =>
      runArgv(
        {
          command: rollbackArgv(config.command, req),
          timeout: config.timeout,
          env: config.env,
          ...(config.cwd ? { cwd: config.cwd } : {}),
        },
        {
          KILN_DECISION_ID: req.decisionId,
          KILN_GROUP: req.group,
          KILN_BAD_IMAGE_ID: req.badImageId,
          KILN_ROLLBACK_IMAGE_ID: req.rollbackImageId,
          KILN_ACTION_KIND: 'rollback',
        },
        signal,
      ),
  };
}

/** The rollback of a policy: its command when given, else aws-asg from the policy's action. */
export function createRollbackAction(
  action: ActionConfig,
  command: RollbackCommand | undefined,
): RollbackAction | undefined {
  if (command) return createCommandRollback(command);
  if (action.type === 'aws-asg') return createAwsAsgRollback(action);
  return undefined;
}
