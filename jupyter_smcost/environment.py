"""Where the server runs: a new Studio space, Studio Classic, a notebook instance, or local.

SageMaker describes the app in a metadata file; `detect` reads it without AWS calls. The
instance type, when the app started and a space's volume size need AWS: `HostedApp` asks for
them once the server runs, and retries with backoff until AWS answers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from .aws import AwsError
from .statefiles import MISSING, read_json

log = logging.getLogger(__name__)

SPACE_APP_TYPES = frozenset({"JupyterLab", "CodeEditor"})
CLASSIC_APP_TYPES = frozenset({"JupyterServer", "KernelGateway"})
#: SageMaker's default space volume size, used when DescribeSpace does not say.
DEFAULT_SPACE_VOLUME_GB = 5


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

    def space_app_key(self) -> dict[str, Any]:
        """What names this space's app in SageMaker's app calls (DescribeApp, DeleteApp)."""
        if not (self.domain_id and self.space_name and self.app_type and self.app_name):
            raise ValueError("not a Studio space's app")
        return {
            "DomainId": self.domain_id,
            "SpaceName": self.space_name,
            "AppType": self.app_type,
            "AppName": self.app_name,
        }

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


# -- what AWS adds ---------------------------------------------------------------------


class AwsCaller(Protocol):
    """`AwsClients.call`: one bounded AWS call, off the event loop; raises AwsError."""

    def __call__(
        self, service: str, operation: str, **params: Any
    ) -> Awaitable[dict[str, Any]]: ...


def _aware(value: Any) -> datetime | None:
    """An AWS timestamp as an aware datetime (botocore gives aware ones; tests may not)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


class HostedApp:
    """The app this server is, as far as known: detected at start, completed from AWS.

    `environment` gains the instance type once AWS says it (or an error saying why not);
    `started_at` is when the app started (in local mode, when this object was made); a
    Studio space's volume size is `storage_gb`, with `storage_note` when it is a guess.
    """

    def __init__(
        self,
        detected: Environment,
        call: AwsCaller,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.environment = detected
        self._call = call
        self._sleep = sleep
        self.started_at: datetime | None = clock() if detected.kind is Kind.LOCAL else None
        self.storage_gb: float | None = None
        self.storage_note: str | None = None
        self._space: asyncio.Future[dict[str, Any]] | None = None

    async def resolve(self) -> bool:
        """Ask AWS which instance this app runs on (and a space's volume), retrying with
        backoff until it answers; True once the instance type is known, False if there is
        nothing to ask (local mode, Studio Classic)."""
        env = self.environment
        if env.kind not in (Kind.STUDIO_SPACE, Kind.NOTEBOOK_INSTANCE):
            return False
        delay = 30.0
        while True:
            try:
                instance = await self._describe(env)
            except AwsError as err:
                message = f"cannot read the instance type: {err}"
                if self.environment.error != message:
                    log.warning("jupyter-smcost: %s (retrying)", message)
                self.environment = self.environment.with_instance_type(None, message)
                await self._sleep(delay)
                delay = min(delay * 2, 3600.0)
                continue
            self.environment = self.environment.with_instance_type(instance, None)
            log.info("jupyter-smcost: instance type %s", instance)
            if env.kind is Kind.STUDIO_SPACE:
                await self._read_volume_size()
            return True

    async def _describe(self, env: Environment) -> str | None:
        """The instance type, from DescribeApp or DescribeNotebookInstance; notes the start."""
        if env.kind is Kind.STUDIO_SPACE:
            app = await self._call("sagemaker", "describe_app", **env.space_app_key())
            self.started_at = _aware(app.get("CreationTime"))
            return (app.get("ResourceSpec") or {}).get("InstanceType")
        nbi = await self._call(
            "sagemaker", "describe_notebook_instance", NotebookInstanceName=env.app_name
        )
        # An in-service instance last changed state when it started.
        self.started_at = _aware(nbi.get("LastModifiedTime") or nbi.get("CreationTime"))
        return nbi.get("InstanceType")

    async def describe_space(self) -> dict[str, Any]:
        """This space's DescribeSpace: its volume size for the cost, its owner for the
        shared inventory. Read once for both (callers at the same time share the call); a
        failed read raises AwsError and is made again by the next caller."""
        env = self.environment
        known = self._space
        if known is None or (known.done() and (known.cancelled() or known.exception())):
            known = self._space = asyncio.ensure_future(
                self._call(
                    "sagemaker", "describe_space", DomainId=env.domain_id, SpaceName=env.space_name
                )
            )
        return await asyncio.shield(known)

    async def _read_volume_size(self) -> None:
        try:
            space = await self.describe_space()
        except AwsError as err:
            self.storage_gb = DEFAULT_SPACE_VOLUME_GB
            self.storage_note = f"volume size assumed ({err})"
            return
        ebs = ((space.get("SpaceSettings") or {}).get("SpaceStorageSettings") or {}).get(
            "EbsStorageSettings"
        ) or {}
        size = ebs.get("EbsVolumeSizeInGb")
        if isinstance(size, int | float) and size > 0:
            self.storage_gb, self.storage_note = float(size), None
        else:
            self.storage_gb = DEFAULT_SPACE_VOLUME_GB
            self.storage_note = "volume size not reported; SageMaker's default assumed"
