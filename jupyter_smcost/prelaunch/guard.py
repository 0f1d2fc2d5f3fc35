"""The botocore seam: before a SageMaker create call leaves the kernel, print its estimate
and refuse it above the admin's cap unless the user confirms.

Registered on a botocore event emitter (`register(events, guard)`), so it sees the calls of
any client made from that session: the SageMaker Python SDK's (which uses
`boto3.DEFAULT_SESSION` when it is set) and plain boto3's. `before-parameter-build` keeps the
call's own parameters; `before-call` has the client's region and runs before anything is sent:
raising there stops the call.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .estimate import OPERATIONS, Lookup, describe, estimate, plan_of, verdict

#: Set to 1 to let calls above the cap go ahead in a kernel that cannot ask (no stdin).
CONFIRM_ENV = "SMCOST_CONFIRM_JOB_COST"
_CONTEXT_KEY = "jupyter_smcost_params"


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
