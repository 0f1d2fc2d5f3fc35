"""`jupyter smcost deploy`: package the fleet check for Lambda and create or update its
CloudFormation stack (deploy/fleet-audit.yaml)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

from .. import __version__
from .studio import Call, Plan

PACKAGE = Path(__file__).resolve().parents[1]
#: Not needed by the function: the browser extension, the emulator, caches.
EXCLUDE = ("labextension", "emulator", "__pycache__")


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
    domains: list[str],
    email: str,
    idle_hours: float,
    enforce_idle_hours: float,
    schedule: str,
) -> Plan:
    if idle_hours < 0 or enforce_idle_hours < 0:
        raise ValueError("--idle-hours and --enforce-idle-hours cannot be negative")
    code = package()
    key = f"jupyter-smcost/fleet-{__version__}-{hashlib.sha256(code).hexdigest()[:12]}.zip"
    parameters = {
        "DomainIds": ",".join(domains),
        "NotificationEmail": email,
        "Schedule": schedule,
        "IdleHours": f"{idle_hours:g}",
        "EnforceIdleHours": f"{enforce_idle_hours:g}",
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
