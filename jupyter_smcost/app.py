"""The server extension: configuration, wiring, and the start and stop of background work."""

from __future__ import annotations

import asyncio
import functools
import os
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Unicode, default

from . import __version__
from .activity import utcnow
from .aws import AwsClients, AwsError
from .collaboration import save_collaborative_documents
from .environment import Environment, Kind, detect, read_metadata
from .events import IDLE_EVENT_SCHEMA, IDLE_SCHEMA_ID
from .idle import IdleShutdown
from .routes import handlers
from .settings_store import SettingsStore
from .shutdown import ShutdownAction, build_action, resolve_action
from .signals import ProcessSampler, ServerSignals


class SMCost(ExtensionApp):
    """jupyter-smcost: idle shutdown and cost awareness for SageMaker."""

    name = "jupyter_smcost"
    load_other_extensions = True
    classes = [IdleShutdown]

    metadata_path = Unicode(
        "/opt/ml/metadata/resource-metadata.json",
        help="The SageMaker resource metadata file that says which app this server is.",
    ).tag(config=True)
    instance_type = Unicode(
        "", help="Local mode: the instance type to price (e.g. ml.t3.medium)."
    ).tag(config=True)
    region = Unicode("", help="Local mode: the AWS region (else AWS_DEFAULT_REGION).").tag(
        config=True
    )
    state_dir = Unicode(help="Where the user's settings persist.").tag(config=True)

    @default("state_dir")
    def _default_state_dir(self) -> str:
        return str(Path(jupyter_data_dir()) / "jupyter_smcost")

    environment: Environment
    aws: AwsClients
    idle: IdleShutdown

    def initialize_settings(self) -> None:
        metadata, reason = read_metadata(self.metadata_path)
        env = detect(
            metadata,
            reason=reason,
            local_region=self.region or os.environ.get("AWS_DEFAULT_REGION"),
            local_instance_type=self.instance_type,
        )
        self.environment = env
        if env.kind is Kind.LOCAL:
            self.log.info(
                "jupyter-smcost: local mode (%s)", env.error or "no SageMaker app detected"
            )
        else:
            self.log.info(
                "jupyter-smcost: %s in %s (domain %s, %s)",
                env.kind.value,
                env.region,
                env.domain_id,
                env.space_name or env.user_profile_name or env.app_name,
            )
        self.aws = AwsClients(env.region)
        serverapp = self.serverapp
        assert serverapp is not None
        signals = ServerSignals(
            serverapp.kernel_manager,
            serverapp.session_manager,
            serverapp.web_app.settings.get("terminal_manager"),
        )
        self._resolve_task: asyncio.Task[None] | None = None
        event_logger = serverapp.event_logger
        if event_logger is not None:
            event_logger.register_event_schema(IDLE_EVENT_SCHEMA)

        def emit(data: dict[str, Any]) -> None:
            if event_logger is not None:
                event_logger.emit(schema_id=IDLE_SCHEMA_ID, data=data)

        self.idle = IdleShutdown(
            parent=self,
            emit=emit,
            server_side_save=functools.partial(save_collaborative_documents, serverapp),
            signals=signals,
            store=SettingsStore(self.state_dir),
            action_factory=self._make_action,
            clock=utcnow,
            process_sampler=ProcessSampler().sample,
        )

    def _make_action(self, idle: IdleShutdown) -> ShutdownAction:
        return build_action(
            resolve_action(idle.action, self.environment),
            self.environment,
            self.aws,
            self._stop_server,
            delete_jupyter_server_app=idle.delete_jupyter_server_app,
        )

    async def _stop_server(self) -> None:
        serverapp = self.serverapp
        assert serverapp is not None
        # Let the current tick finish and answer before the loop stops.
        asyncio.get_running_loop().call_later(0.5, serverapp.stop)

    def initialize_handlers(self) -> None:
        self.handlers.extend(handlers())

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """Runs once the event loop runs: after every server (re)start, with no request."""
        self.idle.start()
        if self.environment.kind is not Kind.LOCAL:
            self._resolve_task = asyncio.create_task(self._resolve_instance_type())

    async def _resolve_instance_type(self) -> None:
        """Ask AWS which instance this app runs on; retry with backoff on failure."""
        env = self.environment
        delay = 30.0
        while True:
            try:
                if env.kind is Kind.STUDIO_SPACE:
                    app = await self.aws.call(
                        "sagemaker",
                        "describe_app",
                        DomainId=env.domain_id,
                        SpaceName=env.space_name,
                        AppType=env.app_type,
                        AppName=env.app_name,
                    )
                    instance = (app.get("ResourceSpec") or {}).get("InstanceType")
                elif env.kind is Kind.NOTEBOOK_INSTANCE:
                    nbi = await self.aws.call(
                        "sagemaker", "describe_notebook_instance", NotebookInstanceName=env.app_name
                    )
                    instance = nbi.get("InstanceType")
                else:
                    return
            except AwsError as err:
                message = f"cannot read the instance type: {err}"
                if self.environment.error != message:
                    self.log.warning("jupyter-smcost: %s (retrying)", message)
                self.environment = self.environment.with_instance_type(None, message)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 3600.0)
                continue
            self.environment = self.environment.with_instance_type(instance, None)
            self.log.info("jupyter-smcost: instance type %s", instance)
            return

    async def stop_extension(self) -> None:
        """Cancel background work with a bounded wait."""
        await self.idle.stop()
        task = self._resolve_task
        if task is not None:
            task.cancel()
            try:
                await asyncio.wait_for(task, 2)
            except (asyncio.CancelledError, asyncio.TimeoutError, Exception):
                pass
        self.aws.close()

    def status_json(self) -> dict[str, Any]:
        return {
            "version": __version__,
            "environment": self.environment.to_json(),
            "idle": self.idle.status_json(),
        }


main = launch_new_instance = SMCost.launch_instance
