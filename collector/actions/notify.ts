/**
 * The notify action: the audit record is the notification; when the policy names a notify
 * webhook, the decision is also delivered there. It never touches the instance.
 */
import type { Action } from './action.ts';
import type { WebhookTarget } from './config.ts';
import { createWebhookAction, type WebhookOptions } from './webhook.ts';

/** Creates the notify action (audit only, or audit + webhook). */
export function createNotifyAction(target: WebhookTarget | undefined, options: WebhookOptions = {}): Action {
  if (target) {
    const webhook = createWebhookAction(target, options);
    return { type: 'notify', run: (req, signal) => webhook.run(req, signal) };
  }
  return { type: 'notify', run: async () => ({ ok: true, durationMs: 0 }) };
}
