"""moto in server mode with the Auto Scaling terminate lifecycle hooks moto 5 does not model.

moto (5.2) stores lifecycle hooks (PutLifecycleHook, DescribeLifecycleHooks) but terminates an
instance at once and answers CompleteLifecycleAction with a 500. This adds what AWS does
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html): with a
terminate hook on the group, TerminateInstanceInAutoScalingGroup puts the instance in
Terminating:Wait (DescribeAutoScalingInstances shows it) and CompleteLifecycleAction continues
the termination, or answers ValidationError when no action waits for that instance. Everything
else is moto's own. Run as `python3 moto_lifecycle.py -H 127.0.0.1 -p PORT`.
"""
import sys

from moto.autoscaling.exceptions import ValidationError
from moto.autoscaling.models import AutoScalingBackend, TerminateInstanceActivity
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import EmptyResult
from moto.server import main

TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"
_terminate_now = AutoScalingBackend.terminate_instance


def _state_of(backend, instance_id):
    for group in backend.autoscaling_groups.values():
        for state in group.instance_states:
            if state.instance.id == instance_id:
                return state
    return None


def _has_terminate_hook(backend, group_name):
    return any(
        hook.auto_scaling_group_name == group_name and hook.lifecycle_transition == TERMINATING
        for hook in backend.lifecycle_hooks.values()
    )


def terminate_instance(self, instance_id, should_decrement):
    state = _state_of(self, instance_id)
    group = state.instance.autoscaling_group if state else None
    if state and state.lifecycle_state != "Terminating:Proceed" and _has_terminate_hook(self, group.name):
        state.lifecycle_state = "Terminating:Wait"
        state.kiln_should_decrement = should_decrement
        return TerminateInstanceActivity(state.instance, group.desired_capacity)
    return _terminate_now(self, instance_id, should_decrement)


def complete_lifecycle_action(self):
    backend = self.autoscaling_backend
    group_name = self._get_param("AutoScalingGroupName")
    hook_name = self._get_param("LifecycleHookName")
    instance_id = self._get_param("InstanceId")
    hook = backend.lifecycle_hooks.get(f"{group_name}_{hook_name}")
    state = _state_of(backend, instance_id)
    if hook is None or state is None or state.lifecycle_state != "Terminating:Wait":
        raise ValidationError(f"No active Lifecycle Action found with instance ID {instance_id}")
    state.lifecycle_state = "Terminating:Proceed"
    if self._get_param("LifecycleActionResult") in ("CONTINUE", "ABANDON"):
        backend.terminate_instance(instance_id, getattr(state, "kiln_should_decrement", False))
    return EmptyResult()


AutoScalingBackend.terminate_instance = terminate_instance
AutoScalingResponse.complete_lifecycle_action = complete_lifecycle_action

if __name__ == "__main__":
    main(sys.argv[1:])
