"""`jupyter smcost deploy`: package this version for Lambda and create or update a
CloudFormation stack: the fleet check (deploy/fleet-audit.yaml) or, with `--inventory`, the
shared inventory (deploy/inventory.yaml). Both functions run from the same package."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

from .. import __version__
from .fleet import ALL_DOMAINS, DOMAIN_ID
from .limits import INVENTORY_PREFIX, check_bucket, check_delete_hours, check_text, hours
from .studio import Call, Plan

PACKAGE = Path(__file__).resolve().parents[1]
#: Not needed by the function: the browser extension, caches.
EXCLUDE = ("labextension", "__pycache__")
#: The templates, by the name they have in deploy/ and in the wheel (jupyter_smcost/admin/).
FLEET_TEMPLATE = "fleet-audit.yaml"
INVENTORY_TEMPLATE = "inventory.yaml"
TEMPLATES = (FLEET_TEMPLATE, INVENTORY_TEMPLATE)
FLEET_STACK = "jupyter-smcost-fleet"
INVENTORY_STACK = "jupyter-smcost-inventory"


def template(name: str = FLEET_TEMPLATE) -> str:
    """A template: shipped in the wheel, or from the source checkout."""
    if name not in TEMPLATES:
        raise ValueError(f"no template {name!r}: one of {', '.join(TEMPLATES)}")
    for path in (Path(__file__).with_name(name), PACKAGE.parent / "deploy" / name):
        if path.exists():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(f"{name} is missing from this installation")


def package() -> bytes:
    """A Lambda zip of this package (botocore comes with the runtime); byte-for-byte the
    same for the same files, so re-deploying unchanged code uploads the same key."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(PACKAGE.rglob("*")):
            relative = path.relative_to(PACKAGE.parent)
            if path.is_dir() or any(part in EXCLUDE for part in relative.parts):
                continue
            if path.suffix in {".pyc", ".map"}:
                continue
            info = zipfile.ZipInfo(str(relative), date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _domain_ids(domains: list[str] | None) -> str:
    """SMCOST_DOMAIN_IDS for `domains` (None: every domain), refused as the function would."""
    if domains is None:
        return ALL_DOMAINS
    for domain in domains:
        if not DOMAIN_ID.fullmatch(domain.strip()):
            raise ValueError(
                f"--domain {domain!r} is not a domain id (repeat --domain for more, or "
                "give --all-domains)"
            )
    if not domains:
        raise ValueError("give --domain ID (repeat for more) or --all-domains")
    return ",".join(d.strip() for d in domains)


def _stack_plan(
    cloudformation: Any, *, stack: str, bucket: str, what: str, name: str,
    parameters: dict[str, str],
) -> Plan:  # fmt: skip
    """Upload the package (under a key naming its content), then create or update `stack`
    from the template `name` with `parameters` (CodeBucket and CodeKey added)."""
    code = package()
    key = f"jupyter-smcost/{what}-{__version__}-{hashlib.sha256(code).hexdigest()[:12]}.zip"
    parameters = {**parameters, "CodeBucket": bucket, "CodeKey": key}
    plan = Plan()
    plan.calls.append(Call("PutObject", {"Bucket": bucket, "Key": key, "Body": code}))
    try:
        cloudformation.describe_stacks(StackName=stack)
        exists = True
    except Exception as err:  # botocore's "Stack with id ... does not exist"
        if "does not exist" not in str(err):
            raise
        exists = False
    params = {
        "StackName": stack,
        "TemplateBody": template(name),
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        "Capabilities": ["CAPABILITY_IAM"],
        "Tags": [{"Key": "jupyter-smcost:version", "Value": __version__}],
    }
    plan.calls.append(Call("UpdateStack" if exists else "CreateStack", params))
    plan.notes.append(
        f"stack {stack} {'exists: it is updated' if exists else 'is created'}; "
        f"the package is s3://{bucket}/{key}"
    )
    return plan


def plan_deploy(
    cloudformation: Any,
    *,
    stack: str,
    bucket: str,
    domains: list[str] | None,
    email: str,
    idle_hours: float,
    enforce_idle_hours: float,
    schedule: str,
    force: bool = False,
    grace_minutes: float = 60.0,
    webhook_url: str = "",
) -> Plan:
    """The upload and the stack; `domains` None is every domain (`*`). Every value is
    checked before any call: the function must be able to run what is deployed."""
    hours(str(idle_hours), "--idle-hours")
    hours(str(enforce_idle_hours), "--enforce-idle-hours")
    if enforce_idle_hours:
        check_delete_hours(
            enforce_idle_hours, "--enforce-idle-hours", force=force, force_name="--force"
        )
    if not (0 <= grace_minutes <= 7 * 24 * 60):  # also NaN
        raise ValueError(f"--grace-minutes {grace_minutes!r} is not a number from 0 to 10080")
    if webhook_url and not webhook_url.startswith("https://"):
        raise ValueError("--webhook-url must be an https:// URL")
    check_text(webhook_url, "--webhook-url")
    scope = _domain_ids(domains)
    for name, value in (("--stack-name", stack), ("--bucket", bucket), ("--email", email),
                        ("--schedule", schedule)):  # fmt: skip
        check_text(value, name)
    parameters = {
        "DomainIds": scope,
        "NotificationEmail": email,
        "Schedule": schedule,
        "IdleHours": f"{idle_hours:g}",
        "EnforceIdleHours": f"{enforce_idle_hours:g}",
        "ForceEnforceIdleHours": "true" if force and enforce_idle_hours else "false",
        "EnforceGraceMinutes": f"{grace_minutes:g}",
        "WebhookUrl": webhook_url,
    }
    return _stack_plan(
        cloudformation, stack=stack, bucket=bucket, what="fleet", name=FLEET_TEMPLATE,
        parameters=parameters,
    )  # fmt: skip


def plan_inventory_deploy(
    cloudformation: Any,
    *,
    stack: str,
    bucket: str,
    domains: list[str] | None,
    period_minutes: int = 5,
    lookback_days: int = 7,
) -> Plan:
    """The shared inventory's upload and stack (deploy/inventory.yaml); `domains` None is
    every domain. The documents' bucket is the stack's own; `bucket` holds the package."""
    if isinstance(period_minutes, bool) or not isinstance(period_minutes, int):
        raise ValueError(f"--period-minutes must be a whole number, not {period_minutes!r}")
    if period_minutes < 1:
        raise ValueError(f"--period-minutes must be at least 1, not {period_minutes}")
    if isinstance(lookback_days, bool) or not isinstance(lookback_days, int) or lookback_days < 1:
        raise ValueError(f"--lookback-days must be a whole number from 1, not {lookback_days!r}")
    scope = _domain_ids(domains)
    for name, value in (("--stack-name", stack), ("--bucket", bucket)):
        check_text(value, name)
    check_bucket(bucket, "--bucket")
    parameters = {
        "DomainIds": scope,
        "PeriodMinutes": str(period_minutes),
        # CloudFormation cannot multiply: the function's period in seconds comes along.
        "PeriodSeconds": str(period_minutes * 60),
        "LookbackDays": str(lookback_days),
        "Prefix": INVENTORY_PREFIX,
    }
    plan = _stack_plan(
        cloudformation, stack=stack, bucket=bucket, what="inventory",
        name=INVENTORY_TEMPLATE, parameters=parameters,
    )  # fmt: skip
    plan.notes.append(
        f"the documents go to the stack's own bucket under {INVENTORY_PREFIX}; the stack's "
        "output InventoryUri is the address for `lcc install --inventory-uri` and `policy "
        "--for user --inventory-uri`"
    )
    return plan
