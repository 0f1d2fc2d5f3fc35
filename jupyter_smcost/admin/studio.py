"""Attach, detach and report jupyter-smcost's lifecycle configuration on a Studio domain.

Each command is planned first: reads run, every write becomes a `Call` (operation and
parameters). `--dry-run` prints the plan; otherwise the calls run in order. Settings are read
and written back whole for the app type concerned, so every other setting stays as it was
(UpdateDomain replaces the app settings object it is given).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from .lcc import content_hash
from .policy import Policy

#: Our LCCs are named smcost-<version>-<app type>-<content hash>.
NAME_PREFIX = "smcost-"
#: A domain tag that records the built-in idle settings before `--backstop-minutes` (tag
#: values allow no braces or quotes: "none", or "STATE:timeout:min:max").
BACKSTOP_TAG = "jupyter-smcost:backstop-previous"
#: The settings object of each app type, in DefaultUserSettings and DefaultSpaceSettings.
SETTINGS_KEY = {
    "JupyterLab": "JupyterLabAppSettings",
    "JupyterServer": "JupyterServerAppSettings",
    "CodeEditor": "CodeEditorAppSettings",
}
#: Where AWS has a settings object for the app type (CodeEditor has none for spaces).
SCOPES = {
    "JupyterLab": ("DefaultUserSettings", "DefaultSpaceSettings"),
    "JupyterServer": ("DefaultUserSettings", "DefaultSpaceSettings"),
    "CodeEditor": ("DefaultUserSettings",),
}
#: Only new Studio apps have an admin-controlled built-in LCC and built-in idle settings.
HAS_BUILT_IN = frozenset({"JupyterLab", "CodeEditor"})


@dataclass(frozen=True)
class Call:
    operation: str
    params: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"operation": self.operation, "params": self.params}


@dataclass
class Plan:
    calls: list[Call] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


Client = Any  # a botocore SageMaker client, or a fake with the same methods


def lcc_name(app_type: str, script: str) -> str:
    version = re.sub(r"[^0-9a-zA-Z]+", "-", __version__).strip("-")
    return f"{NAME_PREFIX}{version}-{app_type.lower()}-{content_hash(script)}"[:63]


def _is_ours(arn: Any) -> bool:
    return isinstance(arn, str) and f":studio-lifecycle-config/{NAME_PREFIX}" in arn


def _lcc_arn(domain_arn: str, name: str) -> str:
    # arn:aws:sagemaker:REGION:ACCOUNT:domain/ID -> the LCC's ARN in the same account.
    prefix = domain_arn.split(":domain/")[0]
    return f"{prefix}:studio-lifecycle-config/{name}"


def _idle_settings(policy: Policy, minutes: int) -> dict[str, Any]:
    idle: dict[str, Any] = {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": minutes}
    # Studio's own bounds take whole minutes from 60 up; the policy's may be finer.
    if policy.min_timeout_minutes is not None:
        idle["MinIdleTimeoutInMinutes"] = max(60, int(policy.min_timeout_minutes))
    if policy.max_timeout_minutes is not None:
        idle["MaxIdleTimeoutInMinutes"] = max(60, int(policy.max_timeout_minutes))
    return idle


def _encode_idle(idle: dict[str, Any] | None) -> str:
    if not idle:
        return "none"
    return ":".join(
        str(idle.get(key, ""))
        for key in (
            "LifecycleManagement",
            "IdleTimeoutInMinutes",
            "MinIdleTimeoutInMinutes",
            "MaxIdleTimeoutInMinutes",
        )
    )


def _decode_idle(text: str) -> dict[str, Any] | None:
    if text == "none":
        return None
    state, *numbers = text.split(":")
    keys = ("IdleTimeoutInMinutes", "MinIdleTimeoutInMinutes", "MaxIdleTimeoutInMinutes")
    idle: dict[str, Any] = {"LifecycleManagement": state}
    idle.update({k: int(v) for k, v in zip(keys, numbers, strict=False) if v})
    return idle


def plan_install(
    client: Client,
    domain_id: str,
    app_type: str,
    script: str | None,
    policy: Policy,
    *,
    as_built_in: bool = True,
    backstop_minutes: int | None = None,
) -> Plan:
    """What `lcc install --domain` does; `script` is None for CodeEditor (no extension)."""
    plan = Plan()
    if as_built_in and app_type not in HAS_BUILT_IN:
        raise ValueError(
            f"{app_type} apps have no built-in lifecycle configuration: use --as default"
        )
    if backstop_minutes is not None and app_type not in HAS_BUILT_IN:
        raise ValueError(f"{app_type} apps have no built-in idle settings for --backstop-minutes")
    domain = client.describe_domain(DomainId=domain_id)
    key = SETTINGS_KEY[app_type]
    arn = None
    if script is not None:
        name = lcc_name(app_type, script)
        arn = _lcc_arn(domain["DomainArn"], name)
        found = client.list_studio_lifecycle_configs(NameContains=name).get(
            "StudioLifecycleConfigs", []
        )
        if any(c.get("StudioLifecycleConfigName") == name for c in found):
            plan.notes.append(f"lifecycle configuration {name} exists (same content)")
        else:
            plan.calls.append(
                Call(
                    "CreateStudioLifecycleConfig",
                    {
                        "StudioLifecycleConfigName": name,
                        "StudioLifecycleConfigContent": base64.b64encode(
                            script.encode("utf-8")
                        ).decode("ascii"),
                        "StudioLifecycleConfigAppType": app_type,
                        "Tags": [{"Key": "jupyter-smcost:version", "Value": __version__}],
                    },
                )
            )
    update: dict[str, Any] = {"DomainId": domain_id}
    for scope in SCOPES[app_type]:
        current = dict((domain.get(scope) or {}).get(key) or {})
        settings = dict(current)
        if arn is not None:
            # Replace any earlier version of ours; keep everyone else's.
            arns = [a for a in settings.get("LifecycleConfigArns") or [] if not _is_ours(a)]
            if as_built_in:
                settings["BuiltInLifecycleConfigArn"] = arn
            else:
                settings["LifecycleConfigArns"] = [*arns, arn]
                spec = dict(settings.get("DefaultResourceSpec") or {})
                spec["LifecycleConfigArn"] = arn
                settings["DefaultResourceSpec"] = spec
        if backstop_minutes is not None and scope == "DefaultUserSettings":
            management = dict(settings.get("AppLifecycleManagement") or {})
            management["IdleSettings"] = _idle_settings(policy, backstop_minutes)
            settings["AppLifecycleManagement"] = management
        if settings != current:
            update[scope] = {key: settings}
    if backstop_minutes is not None:
        previous = ((domain.get("DefaultUserSettings") or {}).get(key) or {}).get(
            "AppLifecycleManagement"
        ) or {}
        tags = client.list_tags(ResourceArn=domain["DomainArn"]).get("Tags", [])
        if not any(t.get("Key") == BACKSTOP_TAG for t in tags):
            plan.calls.append(
                Call(
                    "AddTags",
                    {
                        "ResourceArn": domain["DomainArn"],
                        "Tags": [
                            {
                                "Key": BACKSTOP_TAG,
                                "Value": _encode_idle(previous.get("IdleSettings")),
                            }
                        ],
                    },
                )
            )
    if len(update) > 1:
        plan.calls.append(Call("UpdateDomain", update))
    else:
        plan.notes.append(f"domain {domain_id} already has this configuration")
    return plan


def plan_remove(client: Client, domain_id: str, app_type: str) -> Plan:
    """What `lcc remove --domain` does: undo `plan_install` (our LCC references, and the
    built-in idle settings as they were before `--backstop-minutes`)."""
    plan = Plan()
    domain = client.describe_domain(DomainId=domain_id)
    key = SETTINGS_KEY[app_type]
    tags = client.list_tags(ResourceArn=domain["DomainArn"]).get("Tags", [])
    recorded = next((t.get("Value") for t in tags if t.get("Key") == BACKSTOP_TAG), None)
    update: dict[str, Any] = {"DomainId": domain_id}
    for scope in SCOPES[app_type]:
        current = dict((domain.get(scope) or {}).get(key) or {})
        settings = dict(current)
        if _is_ours(settings.get("BuiltInLifecycleConfigArn")):
            settings.pop("BuiltInLifecycleConfigArn")
        if "LifecycleConfigArns" in settings:
            settings["LifecycleConfigArns"] = [
                a for a in settings["LifecycleConfigArns"] if not _is_ours(a)
            ]
        spec = dict(settings.get("DefaultResourceSpec") or {})
        if _is_ours(spec.get("LifecycleConfigArn")):
            spec.pop("LifecycleConfigArn")
            settings["DefaultResourceSpec"] = spec
        if recorded is not None and scope == "DefaultUserSettings":
            management = dict(settings.get("AppLifecycleManagement") or {})
            previous = _decode_idle(recorded)
            if previous is None:
                management.pop("IdleSettings", None)
            else:
                management["IdleSettings"] = previous
            settings["AppLifecycleManagement"] = management
        if settings != current:
            update[scope] = {key: settings}
    if len(update) > 1:
        plan.calls.append(Call("UpdateDomain", update))
    if recorded is not None:
        plan.calls.append(
            Call("DeleteTags", {"ResourceArn": domain["DomainArn"], "TagKeys": [BACKSTOP_TAG]})
        )
    if not plan.calls:
        plan.notes.append(f"domain {domain_id} has no jupyter-smcost configuration")
    return plan


def status(client: Client, domain_id: str) -> dict[str, Any]:
    """Which of our LCCs each app type of the domain has, and the built-in idle backstop."""
    domain = client.describe_domain(DomainId=domain_id)
    rows = []
    for app_type, key in SETTINGS_KEY.items():
        for scope in SCOPES[app_type]:
            settings = (domain.get(scope) or {}).get(key) or {}
            built_in = settings.get("BuiltInLifecycleConfigArn")
            defaults = [a for a in settings.get("LifecycleConfigArns") or [] if _is_ours(a)]
            attached = built_in if _is_ours(built_in) else (defaults[-1] if defaults else None)
            idle = (settings.get("AppLifecycleManagement") or {}).get("IdleSettings") or {}
            rows.append(
                {
                    "domain_id": domain_id,
                    "scope": "domain users" if scope == "DefaultUserSettings" else "domain spaces",
                    "app_type": app_type,
                    "lcc": attached.rsplit("/", 1)[-1] if attached else None,
                    "attached_as": "built-in"
                    if _is_ours(built_in)
                    else ("default" if defaults else None),
                    "version": _version_of(attached),
                    "backstop": idle.get("LifecycleManagement") == "ENABLED",
                    "backstop_minutes": idle.get("IdleTimeoutInMinutes"),
                }
            )
    return {"domain_id": domain_id, "rows": rows}


def _version_of(arn: str | None) -> str | None:
    if not arn:
        return None
    name = arn.rsplit("/", 1)[-1][len(NAME_PREFIX) :]
    parts = name.split("-")
    # smcost-<version with dashes>-<app type>-<hash>
    return ".".join(parts[:-2]) or None


def run(client: Client, plan: Plan, progress: Callable[[Call], None] | None = None) -> None:
    """Make the planned calls in order (each through the client's method of that name)."""
    for call in plan.calls:
        if progress is not None:
            progress(call)
        method = re.sub(r"(?<!^)(?=[A-Z])", "_", call.operation).lower()
        getattr(client, method)(**call.params)
