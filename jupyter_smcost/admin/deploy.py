"""`jupyter smcost deploy`: package the fleet check for Lambda and create or update its
CloudFormation stack (deploy/fleet-audit.yaml)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

from .. import __version__
from .fleet import ALL_DOMAINS, DOMAIN_ID
from .limits import check_delete_hours, check_text, hours
from .studio import Call, Plan

PACKAGE = Path(__file__).resolve().parents[1]
#: Not needed by the function: the browser extension, caches.
EXCLUDE = ("labextension", "__pycache__")


def template() -> str:
    """The template: shipped in the wheel, or from the source checkout."""
    for path in (
        Path(__file__).with_name("fleet-audit.yaml"),
        PACKAGE.parent / "deploy" / "fleet-audit.yaml",
    ):
        if path.exists():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError("fleet-audit.yaml is missing from this installation")


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
) -> Plan:
    """The upload and the stack; `domains` None is every domain (`*`). Every value is
    checked before any call: the function must be able to run what is deployed."""
    hours(str(idle_hours), "--idle-hours")
    hours(str(enforce_idle_hours), "--enforce-idle-hours")
    if enforce_idle_hours:
        check_delete_hours(
            enforce_idle_hours, "--enforce-idle-hours", force=force, force_name="--force"
        )
    if domains is not None:
        for domain in domains:
            if not DOMAIN_ID.fullmatch(domain.strip()):
                raise ValueError(
                    f"--domain {domain!r} is not a domain id (repeat --domain for more, or "
                    "give --all-domains)"
                )
        if not domains:
            raise ValueError("give --domain ID (repeat for more) or --all-domains")
    for name, value in (("--stack-name", stack), ("--bucket", bucket), ("--email", email),
                        ("--schedule", schedule)):  # fmt: skip
        check_text(value, name)
    code = package()
    key = f"jupyter-smcost/fleet-{__version__}-{hashlib.sha256(code).hexdigest()[:12]}.zip"
    parameters = {
        "DomainIds": ALL_DOMAINS if domains is None else ",".join(d.strip() for d in domains),
        "NotificationEmail": email,
        "Schedule": schedule,
        "IdleHours": f"{idle_hours:g}",
        "EnforceIdleHours": f"{enforce_idle_hours:g}",
        "ForceEnforceIdleHours": "true" if force and enforce_idle_hours else "false",
        "CodeBucket": bucket,
        "CodeKey": key,
    }
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
        "TemplateBody": template(),
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
