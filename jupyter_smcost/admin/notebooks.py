"""Lifecycle configurations on SageMaker notebook instances: one on-start script per content,
attached to each instance given, which AWS allows only while an instance is stopped."""

from __future__ import annotations

import base64
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
    running = []
    for instance in instances:
        found = client.describe_notebook_instance(NotebookInstanceName=instance)
        if found.get("NotebookInstanceLifecycleConfigName") == name:
            plan.notes.append(f"notebook instance {instance} already has {name}")
        elif found.get("NotebookInstanceStatus") not in ("Stopped", "Failed"):
            running.append(f"{instance} ({found.get('NotebookInstanceStatus')})")
        else:
            plan.calls.append(
                Call(
                    "UpdateNotebookInstance",
                    {"NotebookInstanceName": instance, "LifecycleConfigName": name},
                )
            )
    return plan, running


def plan_remove(client: Any, instances: list[str]) -> tuple[Plan, list[str]]:
    plan = Plan()
    running = []
    for instance in instances:
        found = client.describe_notebook_instance(NotebookInstanceName=instance)
        attached = found.get("NotebookInstanceLifecycleConfigName") or ""
        if not attached.startswith(NAME_PREFIX):
            plan.notes.append(f"notebook instance {instance} has no jupyter-smcost configuration")
        elif found.get("NotebookInstanceStatus") not in ("Stopped", "Failed"):
            running.append(f"{instance} ({found.get('NotebookInstanceStatus')})")
        else:
            plan.calls.append(
                Call(
                    "UpdateNotebookInstance",
                    {"NotebookInstanceName": instance, "DisassociateLifecycleConfig": True},
                )
            )
    return plan, running
