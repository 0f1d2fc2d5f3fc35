"""The process-wide emulator controls (fault injection, delays, call log, the delete delay,
status listeners) and `reset_state`. They are not per account/region, so they live outside
moto's backends: moto's reset (which `mock_aws` also does on start) leaves them alone, and
`reset_state()` clears both (and restores the Price List catalog and the Savings Plans
recommendations).

Faults and delays name an action: a bare name ("DeleteApp", "GetProducts",
"GetMetricData") matches that action of any service (the names do not collide),
"pricing:*" / "sagemaker:*" / "cloudwatch:*" / "ce:*" every action of one service, and "*"
every SageMaker action (as before the other services were emulated).

Services under these controls: SageMaker (every action), the Price List (ours), CloudWatch
(moto's, every action) and, of Cost Explorer, the actions we add to moto's and moto's
GetCostAndUsage (`CE_ACTIONS`): moto's other Cost Explorer actions share names with
CloudWatch's (TagResource, ...), so they stay out of the call log to keep a name naming one
service.

Throttling (off by default): `set_throttle(rate, burst, actions)` gives every matching
action its own token bucket (`TokenBucket`: `burst` calls at once, refilled at `rate` a
second); a call that finds its bucket empty is answered as AWS answers it, HTTP 400
`ThrottlingException` "Rate exceeded" (botocore retries that code in every retry mode), is
logged as a `ThrottledCallRecord`, and consumes no fault. The buckets read
`throttle_clock` (time.monotonic unless a test sets another).
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from .ce.models import recommendations
from .moto_api import BackendDict, get_service_model, reset_model_data
from .pricing.models import catalog

if TYPE_CHECKING:
    from .sagemaker_studio.models import FakeApp

DEFAULT_DELETE_DELAY_SECONDS = 2.0
#: What AWS answers a call over its rate with (HTTP 400, in the service's protocol).
THROTTLE_CODE = "ThrottlingException"
THROTTLE_MESSAGE = "Rate exceeded"
THROTTLE_STATUS = 400

Clock = Callable[[], float]

#: The Price List service's actions; none is also a SageMaker action, so the name alone
#: tells the services apart.
PRICE_LIST_ACTIONS = frozenset(get_service_model("pricing").operation_names)
#: CloudWatch's actions (none is a SageMaker, Price List or `CE_ACTIONS` name).
CLOUDWATCH_ACTIONS = frozenset(get_service_model("cloudwatch").operation_names)
#: The Cost Explorer actions under the controls: the one the emulator adds to moto's (see
#: `services.py`), and moto's GetCostAndUsage (answered from moto's queue of results, which
#: `/moto-api/static/ce/cost-and-usage-results` fills).
CE_ACTIONS = frozenset({"GetSavingsPlansPurchaseRecommendation", "GetCostAndUsage"})


def service_of(action: str) -> str:
    """The service a logged action belongs to (the names of the controlled actions do not
    collide across services)."""
    if action in PRICE_LIST_ACTIONS:
        return "pricing"
    if action in CE_ACTIONS:
        return "ce"
    if action in CLOUDWATCH_ACTIONS:
        return "cloudwatch"
    return "sagemaker"


class CallRecord(NamedTuple):
    """One AWS call the emulator served (faulted and throttled calls included)."""

    timestamp: float
    action: str
    params: dict[str, Any]

    @property
    def service(self) -> str:
        """The service called, "sagemaker", "pricing", "cloudwatch" or "ce" (a property, not
        a field: callers unpack a record as three values)."""
        return service_of(self.action)

    @property
    def throttled(self) -> bool:
        """Whether the throttle answered this call (see `ThrottledCallRecord`)."""
        return False

    def to_dict(self) -> dict[str, Any]:
        return {**self._asdict(), "service": self.service, "throttled": self.throttled}


class ThrottledCallRecord(CallRecord):
    """A call the throttle answered with ThrottlingException: still three fields, so a
    record unpacks as any other; `throttled` tells it apart."""

    __slots__ = ()

    @property
    def throttled(self) -> bool:
        return True


def action_matches(pattern: str, service: str, action: str) -> bool:
    """Whether a fault/delay `pattern` applies to `service`'s `action` (see module doc)."""
    if pattern == "*":
        return service == "sagemaker"
    return pattern in (action, f"{service}:{action}", f"{service}:*")


def _in_scope(patterns: frozenset[str], service: str, action: str) -> bool:
    return any(action_matches(p, service, action) for p in patterns)


@dataclass
class Fault:
    action: str  # "DeleteApp", "pricing:GetProducts", "pricing:*" or "*" (every SageMaker action)
    code: str
    message: str
    status: int
    remaining: int | None  # None: until cleared


class TokenBucket:
    """`burst` tokens, refilled at `rate` a second up to `burst`; each call allowed takes
    one. Not locked: `EmulatorControl` holds its lock around `take`."""

    #: Refill arithmetic in floats may land a hair under a whole token.
    EPSILON = 1e-9

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = now

    def take(self, now: float) -> bool:
        """Whether a call at `now` is allowed (it takes a token if so). A clock that goes
        back adds nothing."""
        if now > self.updated:
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
            self.updated = now
        if self.tokens >= 1.0 - self.EPSILON:
            self.tokens = max(0.0, self.tokens - 1.0)
            return True
        return False


@dataclass(frozen=True)
class ThrottleSettings:
    rate_per_second: float
    burst: int
    actions: frozenset[str] | None  # None: every SageMaker action

    def applies(self, service: str, action: str) -> bool:
        if self.actions is None:
            return service == "sagemaker"
        return _in_scope(self.actions, service, action)

    def to_dict(self) -> dict[str, Any]:
        actions = None if self.actions is None else sorted(self.actions)
        return {"rate_per_second": self.rate_per_second, "burst": self.burst, "actions": actions}


def default_burst(rate_per_second: float) -> int:
    """The burst when none is given: one second's worth of calls, at least one."""
    return max(1, math.ceil(rate_per_second))


StatusListener = Callable[["FakeApp", "str | None", str], None]


class EmulatorControl:
    """Process-wide knobs shared by the in-process API and the HTTP control routes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._delays: list[tuple[float, frozenset[str] | None]] = []
        self._calls: list[CallRecord] = []
        self._listeners: list[StatusListener] = []
        self._throttle: ThrottleSettings | None = None
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self.throttle_clock: Clock = time.monotonic
        # What reset() restores; the CLI sets it from --delete-delay.
        self.default_delete_delay = DEFAULT_DELETE_DELAY_SECONDS
        self.delete_delay = self.default_delete_delay

    def reset(self) -> None:
        """Clear faults, delays and the call log; turn throttling off (and its clock back to
        time.monotonic); restore the default delete delay.

        Status listeners stay: they belong to whoever runs the server (e.g. the CLI).
        """
        with self._lock:
            self._faults.clear()
            self._delays.clear()
            self._calls.clear()
            self._throttle = None
            self._buckets.clear()
            self.throttle_clock = time.monotonic
            self.delete_delay = self.default_delete_delay

    def set_delete_delay(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self.delete_delay = seconds

    # faults
    def inject_fault(
        self, action: str, code: str, message: str, status: int, times: int | None
    ) -> None:
        if times is not None and times < 1:
            raise ValueError("times must be a positive integer or None")
        with self._lock:
            self._faults.append(Fault(action, code, message, status, times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def take_fault(self, action: str, service: str = "sagemaker") -> Fault | None:
        """The fault this call must fail with, consuming one of its `times`."""
        with self._lock:
            for fault in self._faults:
                if action_matches(fault.action, service, action):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    # delays
    def set_delay(self, seconds: float, actions: list[str] | None) -> None:
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        scope = frozenset(actions) if actions is not None else None
        with self._lock:
            # A new setting for the same scope replaces the old one; 0 removes it.
            self._delays = [d for d in self._delays if d[1] != scope]
            if seconds > 0:
                self._delays.append((seconds, scope))

    def delay_for(self, action: str, service: str = "sagemaker") -> float:
        def applies(scope: frozenset[str] | None) -> bool:
            # No scope: every SageMaker action, as "*" means.
            return service == "sagemaker" if scope is None else _in_scope(scope, service, action)

        with self._lock:
            return max((s for s, scope in self._delays if applies(scope)), default=0.0)

    # throttling
    def set_throttle(
        self,
        rate_per_second: float | None,
        burst: int | None = None,
        actions: list[str] | None = None,
    ) -> None:
        """Give each matching action a token bucket of `burst` (None: `default_burst`)
        refilled at `rate_per_second`; None turns throttling off. `actions` as for
        `set_delay` (None: every SageMaker action). Every bucket starts full, also when
        this replaces an earlier setting. The default rate is the public API's
        (`facade.Controls.set_throttle`)."""
        if rate_per_second is None:
            settings = None
        else:
            rate = float(rate_per_second)
            if not (math.isfinite(rate) and rate > 0):
                raise ValueError("rate_per_second must be a positive number or None")
            if burst is None:
                burst = default_burst(rate)
            if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
                raise ValueError("burst must be a positive integer or None")
            if actions is not None and (
                not actions or not all(isinstance(a, str) and a for a in actions)
            ):
                raise ValueError("actions must be action names (None: every SageMaker action)")
            scope = None if actions is None else frozenset(actions)
            settings = ThrottleSettings(rate, burst, scope)
        with self._lock:
            self._throttle = settings
            self._buckets.clear()

    def set_throttle_clock(self, clock: Clock | None) -> None:
        """What the buckets read as now, in seconds (None: time.monotonic). Buckets made
        under the old clock are dropped: they start full under the new one."""
        with self._lock:
            self.throttle_clock = time.monotonic if clock is None else clock
            self._buckets.clear()

    def throttle(self) -> ThrottleSettings | None:
        with self._lock:
            return self._throttle

    def take_throttle(self, action: str, service: str = "sagemaker") -> bool:
        """Whether this call is over its action's rate (True: answer ThrottlingException);
        an allowed call takes a token."""
        with self._lock:
            settings = self._throttle
            if settings is None or not settings.applies(service, action):
                return False
            now = self.throttle_clock()
            bucket = self._buckets.get((service, action))
            if bucket is None:
                bucket = self._buckets[(service, action)] = TokenBucket(
                    settings.rate_per_second, settings.burst, now
                )
            return not bucket.take(now)

    # call log
    def record_call(self, action: str, params: dict[str, Any], throttled: bool = False) -> None:
        kind = ThrottledCallRecord if throttled else CallRecord
        with self._lock:
            self._calls.append(kind(time.time(), action, params))

    def calls(self) -> list[CallRecord]:
        with self._lock:
            return list(self._calls)

    def throttled_calls(self) -> int:
        """How many calls of the call log the throttle answered."""
        with self._lock:
            return sum(1 for c in self._calls if c.throttled)

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    # status listeners
    def add_status_listener(self, listener: StatusListener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove_status_listener(self, listener: StatusListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def notify(self, app: FakeApp, old: str | None, new: str) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(app, old, new)


control = EmulatorControl()


def throttle_fault(action: str) -> Fault:
    """The answer to a call over its rate."""
    return Fault(action, THROTTLE_CODE, THROTTLE_MESSAGE, THROTTLE_STATUS, None)


def before_call(action: str, service: str, params: dict[str, Any]) -> Fault | None:
    """What every controlled call goes through first: the throttle decides, the call is
    logged (as throttled or not) and waits out its delay, then a throttled call gets
    ThrottlingException (consuming no injected fault), any other the fault it must fail
    with (None: answer normally)."""
    throttled = control.take_throttle(action, service)
    control.record_call(action, params, throttled=throttled)
    delay = control.delay_for(action, service)
    if delay:
        time.sleep(delay)
    if throttled:
        return throttle_fault(action)
    return control.take_fault(action, service)


def reset_state() -> None:
    """Forget all AWS state, as moto's reset does, reset the controls, restore the
    default Price List catalog and forget the Savings Plans recommendations."""
    BackendDict.reset()
    reset_model_data()
    control.reset()
    catalog.reset()
    recommendations.reset()


def params_snapshot(params: Any) -> dict[str, Any]:
    """A detached copy of a request's parameters for the call log."""
    if not isinstance(params, dict):
        return {}
    return copy.deepcopy(dict(params))


__all__ = [
    "CE_ACTIONS",
    "CLOUDWATCH_ACTIONS",
    "DEFAULT_DELETE_DELAY_SECONDS",
    "PRICE_LIST_ACTIONS",
    "THROTTLE_CODE",
    "THROTTLE_MESSAGE",
    "THROTTLE_STATUS",
    "CallRecord",
    "Clock",
    "EmulatorControl",
    "Fault",
    "StatusListener",
    "ThrottleSettings",
    "ThrottledCallRecord",
    "TokenBucket",
    "action_matches",
    "before_call",
    "control",
    "default_burst",
    "params_snapshot",
    "reset_state",
    "service_of",
    "throttle_fault",
]
