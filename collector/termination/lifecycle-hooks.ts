/**
 * The Auto Scaling calls (the only file here that talks to AWS): which group the instance is in
 * and whether it waits in `Terminating:Wait` (DescribeAutoScalingInstances), which hook holds it
 * (DescribeLifecycleHooks, transition `autoscaling:EC2_INSTANCE_TERMINATING`), and
 * CompleteLifecycleAction with `CONTINUE`
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html).
 * Credentials come from the standard AWS chain on the collector; instances hold none.
 */
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
} from '@aws-sdk/client-auto-scaling';

/** Where to reach Auto Scaling and which hook to complete. */
export interface LifecycleHookSettings {
  region?: string;
  endpoint?: string;
  /** The hook's name; default: the group's only terminate hook. */
  hookName?: string;
}

/** What completing found and did. */
export type CompletionOutcome =
  | { kind: 'completed'; group: string; hook: string }
  | { kind: 'not_waiting'; reason: string; group?: string }
  | { kind: 'failed'; error: string; group?: string; hook?: string };

/** Completes the terminate lifecycle action of one instance. */
export class LifecycleHooks {
  readonly #client: AutoScalingClient;
  readonly #hookName: string | undefined;

  constructor(settings: LifecycleHookSettings) {
    // One attempt per call: the completer decides about retries (a claim expires, another tries).
    this.#client = new AutoScalingClient({
      maxAttempts: 1,
      ...(settings.region ? { region: settings.region } : {}),
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    });
    this.#hookName = settings.hookName;
  }

  /** Finds the group and hook of `instanceId` and continues its termination. */
  async complete(instanceId: string): Promise<CompletionOutcome> {
    let group: string | undefined;
    let hook: string | undefined;
    try {
      const found = await this.#client.send(
        new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }),
      );
      const instance = found.AutoScalingInstances?.[0];
      if (!instance?.AutoScalingGroupName)
        return { kind: 'not_waiting', reason: 'the instance is in no Auto Scaling group' };
      group = instance.AutoScalingGroupName;
      if (instance.LifecycleState !== 'Terminating:Wait')
        return {
          kind: 'not_waiting',
          reason: `lifecycle state is ${instance.LifecycleState ?? 'unknown'}`,
          group,
        };
      const hooks = await this.#client.send(
        new DescribeLifecycleHooksCommand({ AutoScalingGroupName: group }),
      );
      const terminating = (hooks.LifecycleHooks ?? []).filter(
        (h) =>
          h.LifecycleTransition === 'autoscaling:EC2_INSTANCE_TERMINATING' &&
          (!this.#hookName || h.LifecycleHookName === this.#hookName),
      );
      if (terminating.length !== 1) {
        return {
          kind: 'failed',
          error: `expected one terminate lifecycle hook in group ${group}${this.#hookName ? ` named ${this.#hookName}` : ''}, found ${terminating.length}`,
          group,
        };
      }
      hook = terminating[0]!.LifecycleHookName!;
      await this.#client.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: group,
          LifecycleHookName: hook,
          InstanceId: instanceId,
          LifecycleActionResult: 'CONTINUE',
        }),
      );
      return { kind: 'completed', group, hook };
    } catch (error) {
      const e = error as { name?: string; message?: string };
      return {
        kind: 'failed',
        error: `${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
        ...(group ? { group } : {}),
        ...(hook ? { hook } : {}),
      };
    }
  }

  /** Closes the client's connections. */
  destroy(): void {
    this.#client.destroy();
  }
}
