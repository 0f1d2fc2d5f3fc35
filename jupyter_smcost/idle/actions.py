"""What "shut down" means in each environment.

Each action is a small object with one coroutine, `run()`, that returns a sentence saying
what it did and raises `AwsError` (or `ShutdownError`) when it could not. Their AWS calls
go to the shutdown's own worker (`urgent=True`): listings that hang cannot delay them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from ..aws import AwsClients, AwsError
from ..environment import Environment, Kind

log = logging.getLogger(__name__)

ACTIONS = ("auto", "delete-app", "stop-notebook-instance", "stop-server", "dry-run")

#: App states after which there is nothing left to delete.
GONE_STATES = frozenset({"Deleting", "Deleted", "Failed"})


class ShutdownError(Exception):
    """The action cannot run here (a configuration mistake, not a passing failure)."""


class ShutdownAction(Protocol):
    name: str
    dry_run: bool

    def describe(self) -> str: ...

    async def run(self) -> str: ...


def resolve_action(configured: str, env: Environment) -> str:
    """The action `auto` stands for in this environment."""
    if configured != "auto":
        return configured
    if env.kind in (Kind.STUDIO_SPACE, Kind.STUDIO_CLASSIC):
        return "delete-app"
    if env.kind is Kind.NOTEBOOK_INSTANCE:
        return "stop-notebook-instance"
    # A plain Jupyter server: stopping it is a surprise nobody asked for.
    return "dry-run"


class DryRun:
    name = "dry-run"
    dry_run = True

    def __init__(self, would: ShutdownAction | None, env: Environment) -> None:
        self._would = would
        self._env = env

    def describe(self) -> str:
        if self._would is not None:
            return f"dry-run: would {self._would.describe()}"
        return "dry-run: would stop nothing (no action applies to a local server)"

    async def run(self) -> str:
        return self.describe()


class DeleteSpaceApp:
    """New Studio: delete this space's JupyterLab/CodeEditor app."""

    name = "delete-app"
    dry_run = False

    def __init__(self, aws: AwsClients, env: Environment) -> None:
        self._aws = aws
        self._env = env

    def _key(self) -> dict[str, str]:
        return self._env.space_app_key()

    def describe(self) -> str:
        env = self._env
        return f"delete the {env.app_type} app {env.app_name!r} of space {env.space_name!r}"

    async def run(self) -> str:
        try:
            await self._aws.call("sagemaker", "delete_app", urgent=True, **self._key())
        except AwsError as err:
            # Someone (or an earlier try) may have deleted it already: then the goal is reached.
            status = await self._status()
            if status in GONE_STATES or (status is None and err.not_found):
                return f"{self.describe()}: already {(status or 'gone').lower()}"
            raise
        return f"requested: {self.describe()}"

    async def _status(self) -> str | None:
        try:
            app = await self._aws.call("sagemaker", "describe_app", urgent=True, **self._key())
        except AwsError:
            return None
        return str(app.get("Status") or "") or None


class DeleteClassicApps:
    """Studio Classic: the cost is in the user's KernelGateway apps; the JupyterServer app
    itself runs on a free instance and is only deleted when the admin asks for it."""

    name = "delete-app"
    dry_run = False

    def __init__(self, aws: AwsClients, env: Environment, include_jupyter_server: bool) -> None:
        self._aws = aws
        self._env = env
        self._include_server = include_jupyter_server

    def describe(self) -> str:
        what = "KernelGateway and JupyterServer" if self._include_server else "KernelGateway"
        return f"delete the {what} apps of user {self._env.user_profile_name!r}"

    async def run(self) -> str:
        env = self._env
        apps = await self._aws.paginate(
            "sagemaker",
            "list_apps",
            "Apps",
            urgent=True,
            DomainIdEquals=env.domain_id,
            UserProfileNameEquals=env.user_profile_name,
        )
        types = {"KernelGateway", "JupyterServer"} if self._include_server else {"KernelGateway"}
        # The JupyterServer app last: deleting it ends this very process.
        targets = sorted(
            (a for a in apps if a.get("AppType") in types and a.get("Status") not in GONE_STATES),
            key=lambda a: a.get("AppType") == "JupyterServer",
        )
        deleted: list[str] = []
        for app in targets:
            try:
                await self._aws.call(
                    "sagemaker",
                    "delete_app",
                    urgent=True,
                    DomainId=env.domain_id,
                    UserProfileName=env.user_profile_name,
                    AppType=app["AppType"],
                    AppName=app["AppName"],
                )
            except AwsError as err:
                if not err.not_found:
                    raise
            deleted.append(f"{app['AppType']}/{app['AppName']}")
        if not deleted:
            return f"{self.describe()}: none running"
        return f"requested deletion of {', '.join(deleted)}"


class StopNotebookInstance:
    name = "stop-notebook-instance"
    dry_run = False

    def __init__(self, aws: AwsClients, env: Environment) -> None:
        self._aws = aws
        self._env = env

    def describe(self) -> str:
        return f"stop the notebook instance {self._env.app_name!r}"

    async def run(self) -> str:
        if not self._env.app_name:
            raise ShutdownError("the notebook instance's name is unknown")
        await self._aws.call(
            "sagemaker",
            "stop_notebook_instance",
            urgent=True,
            NotebookInstanceName=self._env.app_name,
        )
        return f"requested: {self.describe()}"


class StopServer:
    name = "stop-server"
    dry_run = False

    def __init__(self, stop: Callable[[], Awaitable[None]]) -> None:
        self._stop = stop

    def describe(self) -> str:
        return "stop this Jupyter server"

    async def run(self) -> str:
        await self._stop()
        return "stopping this Jupyter server"


def build_action(
    name: str,
    env: Environment,
    aws: AwsClients,
    stop_server: Callable[[], Awaitable[None]],
    *,
    delete_jupyter_server_app: bool = False,
) -> ShutdownAction:
    """The action object for a resolved action name; a mismatch becomes a ShutdownError
    raised only when it runs, so a bad setting shows in the status instead of crashing."""
    if name == "dry-run":
        return DryRun(_real_action(env, aws, stop_server, delete_jupyter_server_app), env)
    if name == "stop-server":
        return StopServer(stop_server)
    if name == "delete-app":
        if env.kind is Kind.STUDIO_SPACE:
            return DeleteSpaceApp(aws, env)
        if env.kind is Kind.STUDIO_CLASSIC:
            return DeleteClassicApps(aws, env, delete_jupyter_server_app)
        return _Misconfigured(name, f"there is no Studio app to delete in {env.kind.value} mode")
    if name == "stop-notebook-instance":
        if env.kind is Kind.NOTEBOOK_INSTANCE:
            return StopNotebookInstance(aws, env)
        return _Misconfigured(name, f"this is not a notebook instance ({env.kind.value} mode)")
    return _Misconfigured(name, f"unknown action {name!r}; use one of {', '.join(ACTIONS)}")


def _real_action(
    env: Environment,
    aws: AwsClients,
    stop_server: Callable[[], Awaitable[None]],
    delete_jupyter_server_app: bool,
) -> ShutdownAction | None:
    if env.kind is Kind.LOCAL:
        return None
    return build_action(
        resolve_action("auto", env),
        env,
        aws,
        stop_server,
        delete_jupyter_server_app=delete_jupyter_server_app,
    )


class _Misconfigured:
    dry_run = False

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self._reason = reason

    def describe(self) -> str:
        return f"{self.name} (cannot run: {self._reason})"

    async def run(self) -> str:
        raise ShutdownError(f"cannot {self.name}: {self._reason}")
