"""The server extension: configuration, wiring, and the start and stop of background work."""

from __future__ import annotations

import asyncio
import functools
import os
import time
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Float, TraitError, Unicode, default, validate

from . import __version__
from .admin.policy_file import LoadedPolicy, default_policy_path, load_policy
from .aws import (
    DEFAULT_CALL_TIMEOUT,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    AwsClients,
    AwsError,
)
from .config_errors import ConfigError, log_refused
from .cost.app_cost import environment_component
from .cost.budget import BudgetLedger
from .cost.budget_service import AdminBudget, BudgetService
from .cost.config import Budget, Pricing, Resources
from .cost.cost_explorer import CostExplorerFigure
from .cost.inventory import Inventory
from .cost.pricing.model import Price, PriceKey
from .cost.pricing.service import PriceService
from .cost.resources import Collector, ResourceMonitor
from .cost.service import CostService
from .cost.shared_inventory import SharedInventoryReader
from .environment import Environment, HostedApp, Kind, detect, read_metadata
from .idle.actions import ShutdownAction, build_action, resolve_action
from .idle.activity import utcnow
from .idle.checker import IdleShutdown
from .idle.collaboration import save_collaborative_documents
from .idle.config import IdleShutdown as IdleShutdownConfig
from .idle.config import Schedule as ScheduleConfig
from .idle.events import IDLE_EVENT_SCHEMA, IDLE_SCHEMA_ID
from .idle.fleet_notice import FleetNotice
from .idle.schedule import ScheduledStop
from .idle.settings import POLICY_TRAITS, SettingsError
from .idle.signals import ProcessSampler, ServerSignals
from .idle.store import SettingsStore
from .log import follow_server_log
from .pace import DEFAULT_CALLS_PER_SECOND, Pace, PacedAws
from .routes import HANDLERS
from .services import SERVICES_KEY, Services
from .statefiles import clean_temp_files, write_json
from .suggestions.actions import ActionError, ActionRunner
from .suggestions.collect import FactsCollector, idle_fingerprint
from .suggestions.config import Suggestions
from .suggestions.model import IdleFacts, PriceFact
from .suggestions.service import SuggestionsService
from .suggestions.store import AuditLog, DismissStore
from .suggestions.usage import UsageSampler
from .tolerant_config import TolerantConfig

#: The user's schedule choices in the state directory (stop time, time zone, keep running).
SCHEDULE_FILE = "schedule.json"


class SMCost(TolerantConfig, ExtensionApp):
    """jupyter-smcost: idle shutdown and cost awareness for SageMaker."""

    name = "jupyter_smcost"
    load_other_extensions = True
    classes = [IdleShutdownConfig, ScheduleConfig, Pricing, Resources, Budget, Suggestions]

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
    policy_path = Unicode(
        help="The admin's policy file (JSON; `jupyter smcost lcc script` writes it). Its "
        "values win over any traitlets config. Default: <sys.prefix>/share/jupyter_smcost/"
        "policy.json, the server environment's own; while a file is there, this trait "
        "cannot point elsewhere (a user's ~/.jupyter config cannot move the policy away)."
    ).tag(config=True)

    @default("policy_path")
    def _default_policy_path(self) -> str:
        return default_policy_path()

    @default("state_dir")
    def _default_state_dir(self) -> str:
        return str(Path(jupyter_data_dir()) / "jupyter_smcost")

    aws_connect_timeout_seconds = Float(
        DEFAULT_CONNECT_TIMEOUT, help="Seconds to open a connection to AWS (per attempt)."
    ).tag(config=True)
    aws_read_timeout_seconds = Float(
        DEFAULT_READ_TIMEOUT, help="Seconds to wait for each read of an AWS answer (per attempt)."
    ).tag(config=True)
    aws_call_timeout_seconds = Float(
        DEFAULT_CALL_TIMEOUT,
        help="Seconds to wait for one AWS call, retries included, before giving up (Timeout).",
    ).tag(config=True)

    aws_background_calls_per_second = Float(
        DEFAULT_CALLS_PER_SECOND,
        help="At most this many calls a second of each AWS operation for what the server "
        "reads in the background (the resources listing, the suggestions' facts); SageMaker "
        "throttles each operation per account, and the users' own calls share its limits. "
        "A shutdown or an action the user confirms is never held back.",
    ).tag(config=True)

    @validate("aws_background_calls_per_second")
    def _valid_background_rate(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not (0 < value <= 100):  # also rejects NaN
            raise TraitError(
                f"c.SMCost.aws_background_calls_per_second must be in (0, 100], not {value!r}"
            )
        return value

    @validate("aws_connect_timeout_seconds", "aws_read_timeout_seconds", "aws_call_timeout_seconds")
    def _valid_aws_timeout(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not (0 < value <= 300):  # also rejects NaN
            raise TraitError(f"c.SMCost.{proposal['trait'].name} must be in (0, 300] seconds")
        return value

    @default("handlers")
    def _default_handlers(self) -> list[tuple[str, type]]:
        return list(HANDLERS)

    aws: AwsClients
    #: This app, as detected and then completed from AWS (instance type, start, volume).
    host: HostedApp
    idle: IdleShutdown
    prices: PriceService
    monitor: ResourceMonitor
    cost: CostService
    suggestions: SuggestionsService
    budget: BudgetService

    @property
    def environment(self) -> Environment:
        return self.host.environment

    def initialize_settings(self) -> None:
        # The module loggers log through the server's (its format and level); undone at stop.
        self._unfollow_log = follow_server_log((self.serverapp or self).log)
        # Before any store reads or writes there: a crash mid-write leaves temp files.
        clean_temp_files(self.state_dir, self.log)
        env = self._detect()
        self.aws = AwsClients(
            env.region,
            connect_timeout=self.aws_connect_timeout_seconds,
            read_timeout=self.aws_read_timeout_seconds,
            call_timeout=self.aws_call_timeout_seconds,
        )
        self.host = HostedApp(env, self.aws.call, clock=utcnow)
        self.policy = self._load_policy()
        prices_source = self._init_pricing()
        self.resources_config = Resources(parent=self)
        if self.policy.inventory_uri:
            # The admin's lifecycle script (`lcc install --inventory-uri`) names it.
            self.resources_config.inventory_uri = self.policy.inventory_uri
        # What is read in the background is paced, and backs off together when AWS
        # throttles (pace.py); what a user asks for goes through the plain client.
        self.pace = Pace(self.aws_background_calls_per_second)
        self.background_aws = PacedAws(self.aws, self.pace)
        resources = self.resources_config
        inventory = Inventory(
            self.background_aws,
            lambda: self.environment,
            listing_max_age=lambda: self.monitor.ttl_seconds,
            space_description=self.host.describe_space,
        )
        self.collector = Collector(
            self.background_aws,
            lambda: self.environment,
            resources.scope,
            clock=utcnow,
            inventory=inventory,
            shared=self._shared_inventory(resources.inventory_uri),
        )
        self.monitor = ResourceMonitor(
            self.collector.collect,
            lambda: resources.ttl_seconds,
            max_ttl_seconds=lambda: (
                resources.ttl_seconds if self.collector.from_shared else resources.max_ttl_seconds
            ),
            acted=self._last_work,
            jitter=resources.jitter,
            gate=self.pace,
        )
        self._resolve_task: asyncio.Task[None] | None = None
        self._price_task: asyncio.Task[None] | None = None
        self._check_task: asyncio.Task[None] | None = None
        self._sample_task: asyncio.Task[None] | None = None
        self._init_idle(prices_source)
        self.cost = CostService(
            self.host,
            self.prices,
            self.monitor,
            self.resources_config,
            self.idle,
            clock=utcnow,
            run=self.aws.run,
            pricing_client=self._pricing_client,
            busy=self.pace.busy_json,
        )
        self._init_suggestions()
        self._init_budget()
        self.settings[SERVICES_KEY] = Services(
            idle=self.idle,
            saver=self.idle.saver,
            cost=self.cost,
            suggestions=self.suggestions,
            status=self.status_json,
            budget=self.budget,
        )

    def _write_prelaunch(self, max_job_usd: float | None, source: str) -> None:
        """What the kernels' pre-launch estimate reads (jupyter_smcost.prelaunch): the cap in
        force. The kernel reads the policy file itself too, so editing this file cannot raise
        the admin's cap."""
        from .prelaunch import MAX_SETTINGS_BYTES, SETTINGS_FILENAME, STATE_DIR_ENV

        # Kernels inherit the server's environment: this says where the file is.
        os.environ[STATE_DIR_ENV] = self.state_dir
        path = Path(self.state_dir) / SETTINGS_FILENAME
        if max_job_usd is None and not path.exists():
            return  # no cap, none before: nothing to write (the state directory stays as is)
        try:
            Path(self.state_dir).mkdir(parents=True, exist_ok=True)
            write_json(
                path,
                {"max_job_usd": max_job_usd, "source": source},
                MAX_SETTINGS_BYTES,
            )
        except OSError as err:
            self.log.warning("jupyter-smcost: cannot write %s: %s", SETTINGS_FILENAME, err)

    def _make_schedule(self) -> ScheduledStop:
        """The scheduled stop: c.Schedule, and the user's choices in `schedule.json`."""
        self.schedule_config = config = ScheduleConfig(parent=self)
        # The admin's policy file governs what it names (like the budget's values).
        for name, value in self.policy.schedule.items():
            if name in config.configured and getattr(config, name) != value:
                self.log.warning(
                    "jupyter-smcost: ignoring c.Schedule.%s = %r from config: the admin's "
                    "policy %s governs it",
                    name,
                    getattr(config, name),
                    self.policy.path,
                )
            setattr(config, name, value)
        store = SettingsStore(self.state_dir)
        store.path = store.directory / SCHEDULE_FILE
        return ScheduledStop(self.schedule_config.to_policy(), store, utcnow(), self.log)

    def _init_budget(self) -> None:
        """The monthly budget: the admin's policy wins over config for its values."""
        self.budget_config = config = Budget(parent=self)
        values: dict[str, float | None] = {}
        sources: dict[str, str] = {}
        for name in ("monthly_usd", "over_budget_timeout_minutes", "max_job_usd"):
            configured = name in config.configured
            if not self.policy.present:
                values[name] = getattr(config, name)
                sources[name] = "config" if configured else "default"
                continue
            if configured:
                self.log.warning(
                    "jupyter-smcost: ignoring c.Budget.%s = %r from config: the admin's policy "
                    "%s governs it",
                    name,
                    getattr(config, name),
                    self.policy.path,
                )
            values[name] = self.policy.budget.get(name)
            sources[name] = "policy" if name in self.policy.budget else "default"
        self._write_prelaunch(values["max_job_usd"], sources["max_job_usd"])
        resources = self.resources_config
        self.budget = BudgetService(
            AdminBudget(values["monthly_usd"], values["over_budget_timeout_minutes"], sources),
            BudgetLedger(self.state_dir, log=self.log),
            lambda: self.environment,
            self.cost,
            self.monitor,
            self.prices,
            self.idle,
            self.collector.whoami,
            self.background_aws.call,
            clock=utcnow,
            observe_seconds=config.observe_seconds,
            tag_ttl_seconds=config.tag_ttl_seconds,
            listing_interval=lambda: (
                max(resources.ttl_seconds, resources.max_ttl_seconds) * (1 + resources.jitter)
            ),
            resources_enabled=resources.enabled and bool(self.environment.region),
            cost_explorer=CostExplorerFigure(Path(self.state_dir), self.background_aws.call, utcnow)
            if config.cost_explorer
            else None,
        )

    def _detect(self) -> Environment:
        metadata, reason = read_metadata(self.metadata_path)
        env = detect(
            metadata,
            reason=reason,
            local_region=self.region or os.environ.get("AWS_DEFAULT_REGION"),
            local_instance_type=self.instance_type,
        )
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
        return env

    def _init_pricing(self) -> str:
        """`c.Pricing` under the admin's policy, and the price service; returns where the
        snapshot path came from (for GET config)."""
        self.pricing_config = Pricing(parent=self)
        prices_source = "config" if "snapshot_path" in self.pricing_config.configured else "default"
        if self.policy.prices_path:
            self.pricing_config.snapshot_path = self.policy.prices_path
            prices_source = "policy"
        elif self.policy.present and prices_source == "config":
            self.log.warning(
                "jupyter-smcost: ignoring c.Pricing.snapshot_path from config: the admin's "
                "policy %s governs the prices and names no snapshot",
                self.policy.path,
            )
            self.pricing_config.snapshot_path = ""
            prices_source = "default"
        self.prices = PriceService(
            self.pricing_config.build_resolver(self.state_dir, self._pricing_client), self.aws.run
        )
        return prices_source

    def _init_idle(self, prices_source: str) -> None:
        """The idle checker, on this server's kernels, terminals, documents and events."""
        serverapp = self.serverapp
        assert serverapp is not None
        signals = ServerSignals(
            serverapp.kernel_manager,
            serverapp.session_manager,
            serverapp.web_app.settings.get("terminal_manager"),
        )
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
            policy=self.policy,
            schedule=self._make_schedule(),
        )
        if self.environment.kind is Kind.STUDIO_SPACE:
            # The fleet check's warning tag on this app (idle/fleet_notice.py).
            self.idle.fleet_notice = FleetNotice(
                self.background_aws.call,
                self.environment.resource_arn,
                change=self.aws.call_once,
                gate=self.pace,
            )
        # A start after a shutdown is the user coming back: what that stop did not cost.
        back = self.idle.history.came_back()
        if back is not None:
            self.log.info(
                "jupyter-smcost: back after the shutdown of %s (%s not spent)",
                back["at"],
                "nothing known" if back["avoided_usd"] is None else f"${back['avoided_usd']:.2f}",
            )
        self.idle.extra_sources["prices_path"] = prices_source
        self.idle.extra_values["prices_path"] = self.pricing_config.snapshot_path or None
        for error in self.policy.errors:
            log_refused(self.log, error, "policy")
        if self.environment.kind not in (Kind.STUDIO_SPACE, Kind.STUDIO_CLASSIC) and (
            "studio_activity_file" not in self.idle.configured
        ):
            # Only Studio reads that file: elsewhere leave /tmp alone, unless configured to.
            self.idle.studio_activity_file = ""

    def _shared_inventory(self, uri: str) -> SharedInventoryReader | None:
        """The domain's shared inventory, when the admin deployed one (for "mine" only:
        it holds no account-wide listing)."""
        if not uri:
            return None
        if self.resources_config.scope != "mine":
            self.log.warning(
                "jupyter-smcost: c.Resources.inventory_uri is ignored with scope %r",
                self.resources_config.scope,
            )
            return None
        aws = self.aws

        def read(bucket: str, key: str) -> bytes:
            answer = aws.call_sync("s3", "get_object", Bucket=bucket, Key=key)
            try:
                body: bytes = answer["Body"].read()
            except Exception as err:  # the body is read after the answer: its own errors
                raise AwsError("GetObject", "ReadError", str(err)) from err
            return body

        async def get_object(bucket: str, key: str) -> bytes:
            try:
                body: bytes = await asyncio.wait_for(
                    aws.run(functools.partial(read, bucket, key)), aws.call_timeout
                )
            except asyncio.TimeoutError:
                raise AwsError(
                    "GetObject", "Timeout", f"S3 did not answer within {aws.call_timeout:g} s"
                ) from None
            return body

        return SharedInventoryReader(uri, get_object)

    def _load_policy(self) -> LoadedPolicy:
        """The admin's policy file. Its fixed place wins over a path that config gives, so
        a user's own config cannot point the server away from it."""
        fixed = default_policy_path()
        path = self.policy_path or fixed
        if path != fixed and os.path.lexists(fixed):
            self.log.warning(
                "jupyter-smcost: c.SMCost.policy_path %s ignored: the admin's policy is at %s",
                path,
                fixed,
            )
            path = fixed
        defaults = {name: IdleShutdown.class_traits()[name].default() for name in POLICY_TRAITS}
        policy = load_policy(path, defaults)
        if policy.present and policy.error is None:
            self.log.info("jupyter-smcost: the admin's policy %s applies", path)
        return policy

    def all_config_errors(self) -> list[ConfigError]:
        """Every setting refused, by config or by the policy file (each one alone)."""
        errors = list(self.config_errors)
        for part in (
            "pricing_config",
            "resources_config",
            "budget_config",
            "suggestions_config",
            "idle",
        ):
            configurable = getattr(self, part, None)
            if isinstance(configurable, TolerantConfig):
                errors.extend(configurable.config_errors)
        policy = getattr(self, "policy", None)
        if policy is not None:
            errors.extend(policy.errors)
        return errors

    def _init_suggestions(self) -> None:
        """The savings suggestions: facts from AWS and this server, rules, actions."""
        self.suggestions_config = Suggestions(parent=self)
        self.usage_sampler: UsageSampler | None = None
        try:
            self.usage_sampler = UsageSampler(self.state_dir)
        except Exception as err:  # psutil is a dependency; a broken one only loses a rule
            self.log.warning("jupyter-smcost: this instance's usage is not sampled: %s", err)
        self.facts = FactsCollector(
            self.background_aws,
            lambda: self.environment,
            self.collector.owner,
            whoami=self.collector.whoami,
            usage=self._usage if self.usage_sampler is not None else None,
            idle=self._idle_facts,
            prices=self._suggestion_prices,
            inventory=self.collector.inventory,
        )
        runner = ActionRunner(
            self.aws,
            update_idle=self._update_idle_from_action,
            idle_fingerprint=lambda: idle_fingerprint(self._idle_facts()),
            forget=self.facts.forget,
            whoami=self.collector.whoami,
            own_space=lambda: self.environment.space_name,
            allow_on_others=self.suggestions_config.allow_actions_on_others,
            # A stop sent without an answer may still be on its way: watch for it this long.
            confirm_seconds=max(5.0, 2 * self.aws.read_timeout),
        )
        config = self.suggestions_config
        self.suggestions = SuggestionsService(
            config,
            self.facts.collect,
            runner,
            DismissStore(self.state_dir),
            AuditLog(self.state_dir),
            max_ttl_seconds=lambda: config.max_ttl_seconds,
            acted=self._last_work,
            jitter=self.resources_config.jitter,
            gate=self.pace,
            busy=self.pace.busy_json,
            # Built after the suggestions: read when a document is made.
            budget=lambda: self.budget.last,
        )

    def _last_work(self) -> float:
        """When (monotonic) a kernel or a terminal last worked: a job or an endpoint it
        launched should show soon, so the listings fall back to their base TTL."""
        idle = getattr(self, "idle", None)
        worked = None if idle is None else idle.tracker.last_work
        if worked is None:
            return float("-inf")
        return time.monotonic() - max(0.0, (utcnow() - worked).total_seconds())

    def _usage(self) -> Any:
        env = self.environment
        if self.usage_sampler is None:
            return None
        return self.usage_sampler.usage(env.instance_type, environment_component(env))

    def _idle_facts(self) -> IdleFacts:
        settings = self.idle.settings
        return IdleFacts(
            timeout_minutes=settings.timeout_minutes,
            max_idle_usd=settings.max_idle_usd,
            min_minutes=settings.min_timeout_minutes,
            max_minutes=settings.max_timeout_minutes,
            users_may_change=settings.allow_user_override,
            dry_run=bool(self.idle.status_json().get("dry_run")),
        )

    def _update_idle_from_action(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.idle.update_user_settings(body)
        except SettingsError as err:
            raise ActionError(err.status, err.message) from None

    async def _suggestion_prices(
        self, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], PriceFact]:
        region = self.environment.region
        if not region:
            return {}
        wanted = {PriceKey(region, it, component): (it, component) for it, component in keys}
        # In the background: a slow Price List may take its time (the snapshot answers fast).
        answers = await self.prices.get_many(wanted, wait_seconds=30.0)
        out = {}
        for key, answer in answers.items():
            if isinstance(answer, Price):
                out[wanted[key]] = PriceFact(answer.usd_per_hour, answer.source, answer.as_of)
        return out

    async def _sample_usage(self) -> None:
        """One usage sample a minute (cheap: two psutil reads); the ledger saved every 10."""
        sampler = self.usage_sampler
        if sampler is None:
            return
        count = 0
        while True:
            await asyncio.sleep(60.0)
            sampler.sample()
            count += 1
            if count % 10 == 0:
                sampler.flush()

    def _pricing_client(self) -> Any:
        """The Price List client, shared with every other AWS call of this server."""
        return self.aws.client("pricing", self.pricing_config.endpoint_region)

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

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """Runs once the event loop runs: after every server (re)start, with no request."""
        self.idle.start()
        self.budget.start()
        self._sample_task = asyncio.create_task(self._sample_usage())
        if self.usage_sampler is not None:
            self.usage_sampler.sample()
        if self.environment.kind is not Kind.LOCAL:
            self._resolve_task = asyncio.create_task(self._resolve_environment())
        else:
            self._price_task = asyncio.create_task(self._price_environment())

    async def _resolve_environment(self) -> None:
        """Ask AWS which instance this app runs on (retrying), then price it."""
        if await self.host.resolve():
            await self._price_environment()

    async def _price_environment(self) -> None:
        """Look up this app's price once its instance type is known (feeds the idle budget)."""
        if not await self.cost.price_environment():
            return
        if self.pricing_config.use_price_list_api and self._check_task is None:
            self._check_task = asyncio.create_task(self.cost.check_component_values())
        # The idle-budget and right-sizing advice read this price: compute them again.
        self.suggestions.invalidate()

    async def stop_extension(self) -> None:
        """Cancel background work; at most about 5 s whatever AWS does: an AWS call in flight
        is abandoned, and its daemon worker never holds up the process's exit."""
        tasks = [
            t
            for t in (
                self._resolve_task,
                self._price_task,
                self._check_task,
                self._sample_task,
                self.suggestions.inflight,
            )
            if t
        ]
        if self.usage_sampler is not None:
            self.usage_sampler.flush()
        for task in tasks:
            task.cancel()
        if self.idle.fleet_notice is not None:
            # Stopped by the fleet check (its warning ran out)? Then the history says so.
            if await self.idle.fleet_notice.stopped_by_fleet(utcnow()):
                self.idle.record_fleet_stop()
            await self.idle.fleet_notice.stop()
        await self.idle.stop(timeout=3.0)
        await self.budget.stop(timeout=1.0)
        if tasks:
            done, _ = await asyncio.wait(tasks, timeout=2.0)
            for task in done:  # retrieve the outcome, so none is logged as unretrieved
                if not task.cancelled():
                    task.exception()
        self.aws.close()
        self._unfollow_log()

    def status_json(self) -> dict[str, Any]:
        return {
            "version": __version__,
            "environment": self.environment.to_json(),
            "idle": self.idle.status_json(),
            "config_errors": [error.to_json() for error in self.all_config_errors()],
        }


main = launch_new_instance = SMCost.launch_instance
