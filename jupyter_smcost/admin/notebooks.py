"""Lifecycle configurations on SageMaker notebook instances: one on-start script per content,
attached to each instance given, which AWS allows only while an instance is stopped."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from .studio import NAME_PREFIX, Call, Plan, lcc_name


def plan_install(client: Any, instances: list[str], script: str) -> tuple[Plan, list[str]]:
    """The calls, and the instances that must be stopped first (left untouched)."""
    plan = Plan()
    name = lcc_name("nbi", script)
    try:
        client.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name)
        plan.notes.append(f"lifecycle configuration {name} exists (same content)")
    except Exception as err:
        if "does not exist" not in str(err) and "ValidationException" not in str(err):
            raise
        plan.calls.append(
            Call(
                "CreateNotebookInstanceLifecycleConfig",
                {
                    "NotebookInstanceLifecycleConfigName": name,
                    "OnStart": [{"Content": base64.b64encode(script.encode()).decode("ascii")}],
                },
            )
        )

    def done(found: dict[str, Any]) -> str | None:
        if found.get("NotebookInstanceLifecycleConfigName") == name:
            return f"already has {name}"
        return None

    running = _update_stopped(client, plan, instances, done, {"LifecycleConfigName": name})
    return plan, running


def plan_remove(client: Any, instances: list[str]) -> tuple[Plan, list[str]]:
    plan = Plan()

    def done(found: dict[str, Any]) -> str | None:
        attached = found.get("NotebookInstanceLifecycleConfigName") or ""
        return None if attached.startswith(NAME_PREFIX) else "has no jupyter-smcost configuration"

    running = _update_stopped(client, plan, instances, done, {"DisassociateLifecycleConfig": True})
    return plan, running


def _update_stopped(
    client: Any,
    plan: Plan,
    instances: list[str],
    done: Callable[[dict[str, Any]], str | None],
    update: dict[str, Any],
) -> list[str]:
    """Adds UpdateNotebookInstance(`update`) to `plan` for each stopped instance that is not
    `done` (a note says why); returns the others, which AWS refuses to update while running."""
    running = []
    for instance in instances:
        found = client.describe_notebook_instance(NotebookInstanceName=instance)
        note = done(found)
        if note is not None:
            plan.notes.append(f"notebook instance {instance} {note}")
        elif found.get("NotebookInstanceStatus") not in ("Stopped", "Failed"):
            running.append(f"{instance} ({found.get('NotebookInstanceStatus')})")
        else:
            plan.calls.append(
                Call("UpdateNotebookInstance", {"NotebookInstanceName": instance, **update})
            )
    return running
