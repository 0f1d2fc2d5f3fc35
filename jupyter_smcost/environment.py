"""Where the server runs: a new Studio space, Studio Classic, a notebook instance, or local.

SageMaker describes the app in a metadata file; everything here is read from it without
AWS calls. The instance type needs one AWS call and is resolved later (see `app.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import Enum
from pathlib import Path
from typing import Any

from .statefiles import MISSING, read_json

SPACE_APP_TYPES = frozenset({"JupyterLab", "CodeEditor"})
CLASSIC_APP_TYPES = frozenset({"JupyterServer", "KernelGateway"})


class Kind(str, Enum):
    STUDIO_SPACE = "studio-space"
    STUDIO_CLASSIC = "studio-classic"
    NOTEBOOK_INSTANCE = "notebook-instance"
    LOCAL = "local"


@dataclass(frozen=True)
class Environment:
    kind: Kind
    region: str | None = None
    instance_type: str | None = None
    domain_id: str | None = None
    space_name: str | None = None
    user_profile_name: str | None = None
    app_type: str | None = None
    app_name: str | None = None
    resource_arn: str | None = None
    #: Why detection fell back to local mode, or why the instance type is unknown.
    error: str | None = None

    def with_instance_type(
        self, instance_type: str | None, error: str | None = None
    ) -> Environment:
        return replace(self, instance_type=instance_type, error=error)

    def to_json(self) -> dict[str, Any]:
        # Every status request sends it: a shallow dict, not asdict's deep copy.
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "resource_arn"}
        data["kind"] = self.kind.value
        return data


def region_from_arn(arn: str | None) -> str | None:
    """The region is the 4th field of an ARN: arn:partition:service:region:account:resource."""
    if not arn:
        return None
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or not parts[3]:
        return None
    return parts[3]


#: SageMaker's metadata document is a few hundred bytes.
MAX_METADATA_BYTES = 1 << 20


def read_metadata(path: str | Path) -> tuple[dict[str, Any] | None, str | None]:
    """The metadata document, or None and the reason it could not be used. Read fail safe:
    a FIFO or a link to a device there never holds up the server's start."""
    data, why = read_json(path, MAX_METADATA_BYTES, follow_symlinks=True)
    if why == MISSING:
        return None, f"no SageMaker metadata at {path}"
    if why is not None and why.startswith("it is not valid JSON"):
        return None, f"SageMaker metadata {path} is not valid JSON: {why}"
    if why is not None:
        return None, f"cannot read SageMaker metadata {path}: {why}"
    if not isinstance(data, dict):
        return None, f"SageMaker metadata {path} is not a JSON object"
    return data, None


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def detect(
    metadata: dict[str, Any] | None,
    *,
    reason: str | None = None,
    local_region: str | None = None,
    local_instance_type: str | None = None,
) -> Environment:
    """Classify the environment from the metadata document (pure)."""
    local = Environment(
        kind=Kind.LOCAL,
        region=local_region or None,
        instance_type=local_instance_type or None,
        error=reason,
    )
    if metadata is None:
        return local
    arn = _text(metadata, "ResourceArn")
    region = region_from_arn(arn)
    app_type = _text(metadata, "AppType")
    domain_id = _text(metadata, "DomainId")
    space_name = _text(metadata, "SpaceName")
    user = _text(metadata, "UserProfileName")
    name = _text(metadata, "ResourceName")
    if arn and ":notebook-instance/" in arn:
        return Environment(
            kind=Kind.NOTEBOOK_INSTANCE,
            region=region,
            app_name=name or arn.rsplit("/", 1)[-1],
            resource_arn=arn,
        )
    if app_type in SPACE_APP_TYPES and domain_id and space_name:
        return Environment(
            kind=Kind.STUDIO_SPACE,
            region=region,
            domain_id=domain_id,
            space_name=space_name,
            user_profile_name=user,
            app_type=app_type,
            app_name=name or "default",
            resource_arn=arn,
        )
    if app_type in CLASSIC_APP_TYPES and domain_id and user:
        return Environment(
            kind=Kind.STUDIO_CLASSIC,
            region=region,
            # The JupyterServer app runs on a free system instance; the cost is in the
            # user's KernelGateway apps.
            instance_type="system",
            domain_id=domain_id,
            user_profile_name=user,
            app_type=app_type,
            app_name=name or "default",
            resource_arn=arn,
        )
    return replace(
        local,
        error=f"SageMaker metadata does not describe a Studio app or notebook instance "
        f"(AppType={app_type!r}, ResourceArn={arn!r})",
    )
