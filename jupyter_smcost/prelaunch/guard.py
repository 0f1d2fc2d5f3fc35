"""The botocore seam: before a SageMaker create call leaves the kernel, print its estimate
and refuse it above the admin's cap unless the user confirms.

Registered on a botocore event emitter (`register(events, guard)`), so it sees the calls of
any client made from that session afterwards, and, for the kernel, on every botocore session
made from then on (`guard_every_new_session`): the SageMaker Python SDK v3 uses
`boto3.DEFAULT_SESSION` for `ModelTrainer.train()` and `Processor.run()`, but sagemaker-core's
resources (`TrainingJob.create(...)`) and `ModelBuilder` make a `boto3.Session()` of their own.
`before-parameter-build` keeps the call's own parameters; `before-call` has the client's
region and runs before anything is sent: raising there stops the call.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .estimate import OPERATIONS, Lookup, describe, estimate, plan_of, verdict

#: Set to 1 to let calls above the cap go ahead in a kernel that cannot ask (no stdin).
CONFIRM_ENV = "SMCOST_CONFIRM_JOB_COST"
_CONTEXT_KEY = "jupyter_smcost_params"
#: Set in a call's context once a guard has checked it: a session can hold the guard twice
#: (registered on it, and as one of every new session's handlers), and one call prints once.
_CHECKED_KEY = "jupyter_smcost_checked"


class JobCostRefused(RuntimeError):
    """A create call above the admin's cap that nobody confirmed; nothing reached AWS."""


class Guard:
    def __init__(
        self,
        lookup: Lookup,
        cap_usd: Callable[[], float | None],
        *,
        out: Callable[[str], None] = print,
        ask: Callable[[str], str] | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self.lookup = lookup
        self.cap_usd = cap_usd
        self.out = out
        self.ask = ask
        self.environ = environ
        self._confirmed = 0

    @contextmanager
    def confirmed(self) -> Iterator[None]:
        """`with confirm_cost(): estimator.fit()` lets calls above the cap go ahead."""
        self._confirmed += 1
        try:
            yield
        finally:
            self._confirmed -= 1

    def keep_params(self, params: Any, context: Any = None, **_: Any) -> None:
        if isinstance(context, dict) and isinstance(params, Mapping):
            context[_CONTEXT_KEY] = dict(params)

    def before_call(
        self, model: Any, request_signer: Any = None, context: Any = None, **_: Any
    ) -> None:
        operation = getattr(model, "name", "")
        params = context.get(_CONTEXT_KEY) if isinstance(context, dict) else None
        if operation not in OPERATIONS or not isinstance(params, Mapping):
            return
        if context.get(_CHECKED_KEY):
            return
        context[_CHECKED_KEY] = True
        region = str(getattr(request_signer, "region_name", "") or "")
        plan = plan_of(operation, params, region)
        if plan is None:
            return
        est = estimate(plan, self.lookup)
        for line in describe(est):
            self.out(line)
        cap = self.cap_usd()
        decision = verdict(est, cap)
        if decision.allowed:
            if cap is not None:
                self.out(f"  within the admin's cap: {decision.reason}")
            return
        if self._confirmed or self.environ.get(CONFIRM_ENV) == "1":
            self.out(f"  confirmed by you: {decision.reason}")
            return
        if self.ask is not None:
            try:
                answer = self.ask(f"{decision.reason}. Type yes to start it anyway: ")
            except Exception:  # no stdin in this kernel (e.g. a scheduled notebook)
                answer = ""
            if answer.strip().lower() == "yes":
                self.out("  confirmed by you")
                return
        raise JobCostRefused(
            f"jupyter-smcost refused {operation} {plan.name}: {decision.reason} (c.Budget."
            f"max_job_usd). Nothing was sent to AWS. To start it anyway: "
            f"`with jupyter_smcost.prelaunch.confirm_cost(): ...` or {CONFIRM_ENV}=1"
        )


def register(events: Any, guard: Guard) -> None:
    for operation in OPERATIONS:
        events.register(
            f"before-parameter-build.sagemaker.{operation}",
            guard.keep_params,
            unique_id=f"jupyter-smcost-keep-{operation}",
        )
        events.register(
            f"before-call.sagemaker.{operation}",
            guard.before_call,
            unique_id=f"jupyter-smcost-check-{operation}",
        )


# --- every botocore session made from now on ----------------------------------------------

#: The guard the handlers of every new session call (None: they do nothing).
_every_session_guard: Guard | None = None


def _keep_params_for_any_session(**kwargs: Any) -> None:
    if _every_session_guard is not None:
        _every_session_guard.keep_params(**kwargs)


def _before_call_for_any_session(**kwargs: Any) -> None:
    if _every_session_guard is not None:
        _every_session_guard.before_call(**kwargs)


def _every_session_handlers() -> list[tuple[str, Callable[..., None]]]:
    handlers: list[tuple[str, Callable[..., None]]] = []
    for operation in OPERATIONS:
        handlers.append(
            (f"before-parameter-build.sagemaker.{operation}", _keep_params_for_any_session)
        )
        handlers.append((f"before-call.sagemaker.{operation}", _before_call_for_any_session))
    return handlers


def guard_every_session(guard: Guard | None, existing: Iterable[Any] = ()) -> None:
    """Every botocore session this process makes from now on, and the sessions whose event
    emitters are in `existing`, call `guard` before a create call (None: stop; the handlers
    stay in sessions made meanwhile and do nothing). Calling it again changes the guard they
    all call, so a reloaded extension's `confirm_cost()` reaches the guard that checks.

    botocore copies `botocore.handlers.BUILTIN_HANDLERS` into each new session's events
    (`Session._register_builtin_handlers`). That list is not a documented API, but neither
    boto3 nor botocore documents another way to reach sessions that someone else creates,
    and the SageMaker SDK v3 creates its own (sagemaker-core's client, `ModelBuilder`).
    Idempotent: each entry is added once, and once per existing session (unique ids).
    """
    global _every_session_guard
    from botocore import handlers

    _every_session_guard = guard
    for name, handler in _every_session_handlers():
        entry = (name, handler)
        if guard is None:
            while entry in handlers.BUILTIN_HANDLERS:
                handlers.BUILTIN_HANDLERS.remove(entry)
            continue
        if entry not in handlers.BUILTIN_HANDLERS:
            handlers.BUILTIN_HANDLERS.append(entry)
        for events in existing:
            events.register(name, handler, unique_id=f"jupyter-smcost-any-{name}")
