/**
 * The factory of actions: the only way the engine gets one, from the policy's action block.
 * There is no repair action, by design (DESIGN.md principle 1).
 */
import type { Action } from './action.ts';
import { createAwsAsgAction, createAwsEc2TerminateAction } from './aws.ts';
import { createCommandAction } from './command.ts';
import type { ActionConfig, WebhookTarget } from './config.ts';
import { createNotifyAction } from './notify.ts';
import { createWebhookAction, type WebhookOptions } from './webhook.ts';

export type { Action, ActionRequest, ActionResult, DeliveryRecord } from './action.ts';
export type { ActionConfig, ActionType, WebhookTarget } from './config.ts';

/** Builds the action of a policy's action block. */
export function createAction(
  config: ActionConfig,
  notifyTarget?: WebhookTarget,
  options: WebhookOptions = {},
): Action {
  switch (config.type) {
    case 'aws-asg':
      return createAwsAsgAction(config);
    case 'aws-ec2-terminate':
      return createAwsEc2TerminateAction(config);
    case 'webhook':
      return createWebhookAction(config.webhook, options);
    case 'command':
      return createCommandAction(config);
    case 'notify':
      return createNotifyAction(notifyTarget, options);
  }
}
