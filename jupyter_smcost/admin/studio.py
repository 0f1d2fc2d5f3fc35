"""Attach, detach and report jupyter-smcost's lifecycle configuration on a Studio domain.

Each command is planned first: reads run, every write becomes a `Call` (operation and
parameters). `--dry-run` prints the plan; otherwise the calls run in order. Settings are read
and written back whole for the app type concerned, so every other setting stays as it was
(UpdateDomain replaces the app settings object it is given).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..aws import translate_error
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
class Target:
    """Where the LCC is attached: a whole domain, one user profile, or one space."""

    domain_id: str
    user_profile: str | None = None
    space: str | None = None

    @property
    def label(self) -> str:
        if self.user_profile:
            return f"user profile {self.user_profile}"
        if self.space:
            return f"space {self.space}"
        return f"domain {self.domain_id}"

    def describe(self, client: Client) -> tuple[str, dict[str, Any]]:
        """The target's ARN and its settings objects, keyed by where they live."""
        if self.user_profile:
            found = client.describe_user_profile(
                DomainId=self.domain_id, UserProfileName=self.user_profile
            )
            return found["UserProfileArn"], {"UserSettings": found.get("UserSettings") or {}}
        if self.space:
            found = client.describe_space(DomainId=self.domain_id, SpaceName=self.space)
            return found["SpaceArn"], {"SpaceSettings": found.get("SpaceSettings") or {}}
        found = client.describe_domain(DomainId=self.domain_id)
        return found["DomainArn"], {
            "DefaultUserSettings": found.get("DefaultUserSettings") or {},
            "DefaultSpaceSettings": found.get("DefaultSpaceSettings") or {},
        }

    def scopes(self, app_type: str) -> tuple[str, ...]:
        if self.user_profile:
            return ("UserSettings",)
        if self.space:
            return ("SpaceSettings",)
        return SCOPES[app_type]

    def update(self, changes: dict[str, Any]) -> Call:
        if self.user_profile:
            return Call(
                "UpdateUserProfile",
                {"DomainId": self.domain_id, "UserProfileName": self.user_profile, **changes},
            )
        if self.space:
            return Call(
                "UpdateSpace", {"DomainId": self.domain_id, "SpaceName": self.space, **changes}
            )
        return Call("UpdateDomain", {"DomainId": self.domain_id, **changes})


@dataclass(frozen=True)
class Call:
    operation: str
    params: dict[str, Any]
    #: What takes this call back if a later call of the plan fails (not printed).
    undo: Call | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        """Printable: bytes (an upload's body) as their size and digest."""
        params = {
            k: f"<{len(v)} bytes, sha256 {hashlib.sha256(v).hexdigest()[:12]}>"
            if isinstance(v, bytes)
            else v
            for k, v in self.params.items()
        }
        return {"operation": self.operation, "params": params}


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


def _lcc_arn(target_arn: str, name: str) -> str:
    # arn:aws:sagemaker:REGION:ACCOUNT:<kind>/... -> the LCC's ARN in the same account.
    prefix = ":".join(target_arn.split(":")[:5])
    return f"{prefix}:studio-lifecycle-config/{name}"


def _idle_settings(policy: Policy, minutes: int, space: bool = False) -> dict[str, Any]:
    if space:  # a space has the timeout alone; its owner's or domain's settings do the rest
        return {"IdleTimeoutInMinutes": minutes}
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
    idle: dict[str, Any] = {"LifecycleManagement": state} if state else {}
    idle.update({k: int(v) for k, v in zip(keys, numbers, strict=False) if v})
    return idle


def plan_install(
    client: Client,
    target: Target,
    app_type: str,
    script: str | None,
    policy: Policy,
    *,
    as_built_in: bool = True,
    backstop_minutes: int | None = None,
) -> Plan:
    """What `lcc install` does; `script` is None for CodeEditor (no extension)."""
    plan = Plan()
    if as_built_in and app_type not in HAS_BUILT_IN:
        raise ValueError(
            f"{app_type} apps have no built-in lifecycle configuration: use --as default"
        )
    if as_built_in and target.space and script is not None:
        raise ValueError(
            "a space has no built-in lifecycle configuration: attach it to the domain or the "
            "owner's user profile, or use --as default"
        )
    if backstop_minutes is not None and app_type not in HAS_BUILT_IN:
        raise ValueError(f"{app_type} apps have no built-in idle settings for --backstop-minutes")
    if backstop_minutes is not None and not target.space:
        # Studio refuses a timeout outside the bounds sent with it (checked before any call).
        idle = _idle_settings(policy, backstop_minutes)
        low = idle.get("MinIdleTimeoutInMinutes", backstop_minutes)
        high = idle.get("MaxIdleTimeoutInMinutes", backstop_minutes)
        if not low <= backstop_minutes <= high:
            raise ValueError(
                f"--backstop-minutes {backstop_minutes} is outside the policy's bounds for "
                f"Studio's idle shutdown ({low} to {high} minutes)"
            )
    target_arn, current_settings = target.describe(client)
    key = SETTINGS_KEY[app_type]
    arn = None
    if script is not None:
        name = lcc_name(app_type, script)
        arn = _lcc_arn(target_arn, name)
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
                    undo=Call("DeleteStudioLifecycleConfig", {"StudioLifecycleConfigName": name}),
                )
            )
    changes: dict[str, Any] = {}
    backstop_scope = target.scopes(app_type)[0]
    for scope in target.scopes(app_type):
        current = dict(current_settings[scope].get(key) or {})
        settings = dict(current)
        if arn is not None:
            if as_built_in:
                settings["BuiltInLifecycleConfigArn"] = arn
            else:
                if not target.space:  # a space has no list of its own
                    # Replace any earlier version of ours; keep everyone else's.
                    arns = [a for a in settings.get("LifecycleConfigArns") or [] if not _is_ours(a)]
                    settings["LifecycleConfigArns"] = [*arns, arn]
                spec = dict(settings.get("DefaultResourceSpec") or {})
                spec["LifecycleConfigArn"] = arn
                settings["DefaultResourceSpec"] = spec
        if backstop_minutes is not None and scope == backstop_scope:
            management = dict(settings.get("AppLifecycleManagement") or {})
            management["IdleSettings"] = _idle_settings(
                policy, backstop_minutes, space=bool(target.space)
            )
            settings["AppLifecycleManagement"] = management
        if settings != current:
            changes[scope] = {key: settings}
    if backstop_minutes is not None:
        previous = (current_settings[backstop_scope].get(key) or {}).get(
            "AppLifecycleManagement"
        ) or {}
        tags = client.list_tags(ResourceArn=target_arn).get("Tags", [])
        if not any(t.get("Key") == BACKSTOP_TAG for t in tags):
            plan.calls.append(
                Call(
                    "AddTags",
                    {
                        "ResourceArn": target_arn,
                        "Tags": [
                            {
                                "Key": BACKSTOP_TAG,
                                "Value": _encode_idle(previous.get("IdleSettings")),
                            }
                        ],
                    },
                    undo=Call("DeleteTags", {"ResourceArn": target_arn, "TagKeys": [BACKSTOP_TAG]}),
                )
            )
    if changes:
        plan.calls.append(target.update(changes))
    else:
        plan.notes.append(f"{target.label} already has this configuration")
    return plan


def plan_remove(client: Client, target: Target, app_type: str) -> Plan:
    """What `lcc remove` does: undo `plan_install` (our LCC references, and the built-in
    idle settings as they were before `--backstop-minutes`)."""
    plan = Plan()
    target_arn, current_settings = target.describe(client)
    key = SETTINGS_KEY[app_type]
    tags = client.list_tags(ResourceArn=target_arn).get("Tags", [])
    recorded = next((t.get("Value") for t in tags if t.get("Key") == BACKSTOP_TAG), None)
    changes: dict[str, Any] = {}
    backstop_scope = target.scopes(app_type)[0]
    for scope in target.scopes(app_type):
        current = dict(current_settings[scope].get(key) or {})
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
        if recorded is not None and scope == backstop_scope:
            management = dict(settings.get("AppLifecycleManagement") or {})
            previous = _decode_idle(recorded)
            if previous is None:
                management.pop("IdleSettings", None)
            else:
                management["IdleSettings"] = previous
            settings["AppLifecycleManagement"] = management
        if settings != current:
            changes[scope] = {key: settings}
    if changes:
        plan.calls.append(target.update(changes))
    if recorded is not None:
        plan.calls.append(
            Call("DeleteTags", {"ResourceArn": target_arn, "TagKeys": [BACKSTOP_TAG]})
        )
    if not plan.calls:
        plan.notes.append(f"{target.label} has no jupyter-smcost configuration")
    return plan


def status(client: Client, domain_id: str) -> dict[str, Any]:
    """Per app type, for the domain's defaults, each user profile and each space: which of
    our LCCs is attached, how, its version, and Studio's built-in idle backstop."""
    domain = client.describe_domain(DomainId=domain_id)
    rows = []
    for app_type, key in SETTINGS_KEY.items():
        for scope in SCOPES[app_type]:
            label = "domain users" if scope == "DefaultUserSettings" else "domain spaces"
            rows.append(_row(domain_id, label, app_type, (domain.get(scope) or {}).get(key)))
    targets = [
        Target(domain_id, user_profile=p["UserProfileName"])
        for p in _all(client, "list_user_profiles", "UserProfiles", DomainIdEquals=domain_id)
    ] + [
        Target(domain_id, space=s["SpaceName"])
        for s in _all(client, "list_spaces", "Spaces", DomainIdEquals=domain_id)
    ]
    for target in targets:
        _, found = target.describe(client)
        (settings,) = found.values()
        rows.extend(
            _row(domain_id, target.label, app_type, settings.get(key))
            for app_type, key in SETTINGS_KEY.items()
            if settings.get(key)
        )
    return {"domain_id": domain_id, "rows": rows}


def _all(client: Client, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(operation).paginate(**params):
        items.extend(page.get(key, []))
    return items


def _row(domain_id: str, scope: str, app_type: str, settings: Any) -> dict[str, Any]:
    settings = settings or {}
    built_in = settings.get("BuiltInLifecycleConfigArn")
    defaults = [a for a in settings.get("LifecycleConfigArns") or [] if _is_ours(a)]
    space_default = (settings.get("DefaultResourceSpec") or {}).get("LifecycleConfigArn")
    if _is_ours(space_default) and not defaults:
        defaults = [space_default]
    attached = built_in if _is_ours(built_in) else (defaults[-1] if defaults else None)
    idle = (settings.get("AppLifecycleManagement") or {}).get("IdleSettings") or {}
    minutes = idle.get("IdleTimeoutInMinutes")
    return {
        "domain_id": domain_id,
        "scope": scope,
        "app_type": app_type,
        "lcc": attached.rsplit("/", 1)[-1] if attached else None,
        "attached_as": "built-in" if _is_ours(built_in) else ("default" if defaults else None),
        "version": _version_of(attached),
        # A space's idle settings carry only the timeout; its presence means it is on.
        "backstop": idle.get("LifecycleManagement", "ENABLED" if minutes else None) == "ENABLED",
        "backstop_minutes": minutes,
    }


def _version_of(arn: str | None) -> str | None:
    if not arn:
        return None
    name = arn.rsplit("/", 1)[-1][len(NAME_PREFIX) :]
    parts = name.split("-")
    # smcost-<version with dashes>-<app type>-<hash>
    return ".".join(parts[:-2]) or None


class PlanFailed(Exception):
    """A call of a plan failed; what the earlier calls did was undone (or says why not)."""


def _make(client: Client, call: Call) -> None:
    method = re.sub(r"(?<!^)(?=[A-Z])", "_", call.operation).lower()
    getattr(client, method)(**call.params)


def run(client: Client, plan: Plan, progress: Callable[[Call], None] | None = None) -> None:
    """Make the planned calls in order (each through the client's method of that name). When
    one fails, the calls made before it are undone, last first, so no half-applied plan is
    left behind; raises PlanFailed saying what happened."""
    made: list[Call] = []
    for call in plan.calls:
        if progress is not None:
            progress(call)
        try:
            _make(client, call)
        except Exception as err:
            raise PlanFailed(_undo(client, made, call, err)) from err
        made.append(call)


def _undo(client: Client, made: list[Call], failed: Call, err: Exception) -> str:
    text = f"{failed.operation} failed: {translate_error(failed.operation, err)}"
    undone, left = [], []
    for call in reversed(made):
        if call.undo is None:
            left.append(f"{call.operation} (nothing undoes it)")
            continue
        try:
            _make(client, call.undo)
            undone.append(call.undo.operation)
        except Exception as undo_err:
            left.append(
                f"{call.operation} ({call.undo.operation} failed: "
                f"{translate_error(call.undo.operation, undo_err)})"
            )
    if undone:
        text += f"; undone with {', '.join(undone)}"
    if left:
        text += f"; NOT undone: {'; '.join(left)}"
    elif not made:
        text += "; nothing had been changed"
    return text
