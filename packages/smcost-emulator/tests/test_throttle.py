"""The emulator's throttle: a token bucket per operation (off unless asked), answered as AWS
answers a call over its rate (HTTP 400 ThrottlingException "Rate exceeded"), which botocore
must retry; its controls in process, over HTTP and on the CLI. The buckets read a fake
clock (or, over HTTP, refill too slowly to matter): no test waits for a refill, and
botocore's backoff moves the fake clock instead of sleeping."""

from __future__ import annotations

import sys
import threading
import time
import urllib.error
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.loaders import create_loader
from botocore.retries.standard import RetryContext, ThrottledRetryableChecker

from smcost_emulator import (
    DEFAULT_THROTTLE_RATE,
    Emulator,
    EmulatorClient,
    call_log,
    clear_call_log,
    inject_fault,
    reset,
    set_delay,
    set_throttle,
    set_throttle_clock,
    throttle_settings,
    throttled_calls,
)
from smcost_emulator.__main__ import build_parser, main
from smcost_emulator.control import (
    CallRecord,
    EmulatorControl,
    ThrottledCallRecord,
    ThrottleSettings,
    TokenBucket,
    control,
)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class BotocoreSleep:
    """Stands in for the `time` module of botocore's endpoint, whose only use is the sleep
    before a retry: no real sleep, the fake clock moves `step` seconds instead, so how many
    attempts a call takes does not depend on botocore's random backoff."""

    def __init__(self, clock: FakeClock, step: float) -> None:
        self.clock = clock
        self.step = step
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(self.step)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@pytest.fixture
def clock(emulator: Emulator) -> FakeClock:
    """The emulator's throttle reading a fake clock (the fixture's reset restores
    time.monotonic)."""
    fake = FakeClock()
    set_throttle_clock(fake)
    return fake


@pytest.fixture
def botocore_sleep(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> BotocoreSleep:
    sleep = BotocoreSleep(clock, step=0.6)
    monkeypatch.setattr(botocore.endpoint, "time", sleep)
    return sleep


def sm_client(**retries: Any) -> Any:
    """A SageMaker client of the fixture's environment; no retries unless given."""
    return boto3.client("sagemaker", config=Config(retries=retries or {"total_max_attempts": 1}))


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response: Any = exc.value.response
    error = response["Error"]
    return error["Code"], error["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def make_app(sm: Any) -> dict[str, str]:
    domain_id = sm.create_domain(
        DomainName="d1",
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/r"},
        SubnetIds=["subnet-1"],
        VpcId="vpc-1",
    )["DomainArn"].rsplit("/", 1)[-1]
    sm.create_user_profile(DomainId=domain_id, UserProfileName="u1")
    sm.create_space(
        DomainId=domain_id,
        SpaceName="s1",
        SpaceSettings={"AppType": "JupyterLab"},
        OwnershipSettings={"OwnerUserProfileName": "u1"},
        SpaceSharingSettings={"SharingType": "Private"},
    )
    app = {"DomainId": domain_id, "SpaceName": "s1", "AppType": "JupyterLab", "AppName": "a"}
    sm.create_app(**app)
    return app


# --------------------------------------------------------------------------- the bucket


def test_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert not bucket.take(0.25)  # half a token
    assert bucket.take(0.5)  # a whole one: 2 a second
    assert not bucket.take(0.5)
    # A refused call takes nothing: the half token of 0.75 is still there at 1.0.
    assert not bucket.take(0.75)
    assert bucket.take(1.0)
    # Idle for long, it holds its burst and no more.
    assert [bucket.take(60.0) for _ in range(4)] == [True, True, True, False]
    # A clock going back refills nothing.
    assert not bucket.take(30.0)
    assert not bucket.take(60.4)
    assert bucket.take(60.5)


def test_bucket_of_a_slow_rate() -> None:
    bucket = TokenBucket(rate=0.1, burst=1, now=0.0)
    assert bucket.take(0.0)
    assert not bucket.take(9.9)
    assert bucket.take(10.0)
    assert not bucket.take(10.0)


def test_throttle_is_per_action_and_scoped() -> None:
    clock = FakeClock(0.0)
    ctl = EmulatorControl()
    ctl.set_throttle_clock(clock)
    assert ctl.throttle() is None
    assert not any(ctl.take_throttle("ListApps") for _ in range(50))  # off by default

    ctl.set_throttle(2.0, burst=2)
    assert [ctl.take_throttle("ListApps") for _ in range(3)] == [False, False, True]
    # Each operation has its own bucket.
    assert [ctl.take_throttle("DescribeApp") for _ in range(3)] == [False, False, True]
    # Other services are not throttled unless named.
    assert not any(ctl.take_throttle("GetProducts", "pricing") for _ in range(5))
    clock.advance(0.5)
    assert [ctl.take_throttle("ListApps") for _ in range(2)] == [False, True]
    assert [ctl.take_throttle("DescribeApp") for _ in range(2)] == [False, True]

    # A new setting refills every bucket; `actions` limits it, with fault/delay names.
    ctl.set_throttle(1.0, burst=1, actions=["ListApps", "pricing:*"])
    assert [ctl.take_throttle("ListApps") for _ in range(2)] == [False, True]
    assert not any(ctl.take_throttle("DescribeApp") for _ in range(5))
    assert [ctl.take_throttle("GetProducts", "pricing") for _ in range(2)] == [False, True]

    ctl.set_throttle(None)
    assert ctl.throttle() is None
    assert not any(ctl.take_throttle("ListApps") for _ in range(5))


def test_default_rate_and_burst(emulator: Emulator) -> None:
    emulator.set_throttle()
    assert DEFAULT_THROTTLE_RATE == 2.0
    assert emulator.throttle_settings() == {"rate_per_second": 2.0, "burst": 2, "actions": None}
    # Burst: a second's worth, rounded up, at least one.
    ctl = EmulatorControl()
    for rate, burst in ((2.5, 3), (0.2, 1), (10, 10)):
        ctl.set_throttle(rate)
        assert ctl.throttle() == ThrottleSettings(rate, burst, None)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rate_per_second": 0},
        {"rate_per_second": -1},
        {"rate_per_second": float("nan")},
        {"rate_per_second": float("inf")},
        {"rate_per_second": 1, "burst": 0},
        {"rate_per_second": 1, "burst": True},
        {"rate_per_second": 1, "actions": []},
        {"rate_per_second": 1, "actions": [""]},
    ],
)
def test_throttle_arguments_are_checked(kwargs: dict[str, Any]) -> None:
    ctl = EmulatorControl()
    with pytest.raises(ValueError):
        ctl.set_throttle(**kwargs)
    assert ctl.throttle() is None


def allowed_across_threads(burst: int, threads: int, calls_each: int) -> int:
    """How many of `threads` x `calls_each` concurrent calls of one action pass a bucket of
    `burst` on a frozen clock."""
    ctl = EmulatorControl()
    ctl.set_throttle_clock(FakeClock(0.0))
    ctl.set_throttle(1.0, burst=burst)
    allowed: list[int] = []
    start = threading.Barrier(threads)

    def worker() -> None:
        start.wait()
        allowed.append(sum(not ctl.take_throttle("ListApps") for _ in range(calls_each)))

    running = [threading.Thread(target=worker) for _ in range(threads)]
    for t in running:
        t.start()
    for t in running:
        t.join()
    return sum(allowed)


def test_buckets_are_thread_safe() -> None:
    # Exactly `burst` calls may pass, however the threads interleave. A tiny switch
    # interval makes them interleave inside `take_throttle` (without its lock, this fails
    # nearly every run).
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for round_ in range(5):
            assert allowed_across_threads(2000, 8, 500) == 2000, f"round {round_}"
    finally:
        sys.setswitchinterval(interval)


def test_call_records_tell_throttled_calls_apart() -> None:
    plain = CallRecord(1.0, "ListApps", {})
    throttled = ThrottledCallRecord(2.0, "ListApps", {"MaxResults": 1})
    assert not plain.throttled and throttled.throttled
    timestamp, action, params = throttled  # unpacks as every record does
    assert (timestamp, action, params) == (2.0, "ListApps", {"MaxResults": 1})
    assert throttled.to_dict() == {
        "timestamp": 2.0,
        "action": "ListApps",
        "params": {"MaxResults": 1},
        "service": "sagemaker",
        "throttled": True,
    }
    assert plain.to_dict()["throttled"] is False


# --------------------------------------------------------------------------- through boto3


def test_off_by_default(emulator: Emulator) -> None:
    sm = sm_client()
    for _ in range(20):
        sm.list_apps()
    assert throttle_settings() is None
    assert throttled_calls() == 0
    assert not any(c.throttled for c in call_log())


def test_boto3_without_retries_gets_throttling_exception(
    emulator: Emulator, clock: FakeClock
) -> None:
    sm = sm_client()
    app = make_app(sm)
    clear_call_log()
    set_throttle(2.0, burst=2)
    sm.list_apps()
    sm.list_apps()
    with pytest.raises(ClientError) as exc:
        sm.list_apps()
    assert error_of(exc) == ("ThrottlingException", "Rate exceeded", 400)
    assert exc.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    # ListApps over its rate leaves DescribeApp's bucket alone.
    assert sm.describe_app(**app)["Status"] == "InService"
    assert sm.describe_app(**app)["Status"] == "InService"
    with pytest.raises(ClientError):
        sm.describe_app(**app)
    # The bucket refills at the rate: half a second is one more ListApps.
    clock.advance(0.5)
    assert sm.list_apps()["Apps"]
    with pytest.raises(ClientError):
        sm.list_apps()

    log = call_log()
    assert [(c.action, c.throttled) for c in log] == [
        ("ListApps", False),
        ("ListApps", False),
        ("ListApps", True),
        ("DescribeApp", False),
        ("DescribeApp", False),
        ("DescribeApp", True),
        ("ListApps", False),
        ("ListApps", True),
    ]
    assert isinstance(log[2], ThrottledCallRecord)
    assert throttled_calls() == 3
    clear_call_log()
    assert throttled_calls() == 0


def test_botocore_classifies_it_as_a_throttle(emulator: Emulator, clock: FakeClock) -> None:
    sm = sm_client()
    set_throttle(1.0, burst=1)
    sm.list_apps()
    with pytest.raises(ClientError) as exc:
        sm.list_apps()
    # Standard and adaptive mode: botocore's list of throttling codes.
    context = RetryContext(attempt_number=1, parsed_response=exc.value.response)
    assert ThrottledRetryableChecker().is_retryable(context)
    # Legacy mode: _retry.json's throttling_exception wants this code *and* status 400.
    definition = create_loader().load_data("_retry")["definitions"]["throttling_exception"]
    assert definition["applies_when"]["response"] == {
        "service_error_code": exc.value.response["Error"]["Code"],
        "http_status_code": exc.value.response["ResponseMetadata"]["HTTPStatusCode"],
    }


@pytest.mark.parametrize("mode", ["standard", "legacy"])
def test_botocore_retries_until_the_bucket_refills(
    emulator: Emulator, clock: FakeClock, botocore_sleep: BotocoreSleep, mode: str
) -> None:
    sm = sm_client(mode=mode, total_max_attempts=5)
    set_throttle(1.0, burst=1)
    sm.list_apps()  # takes the one token
    clear_call_log()
    # Each backoff moves the clock 0.6 s: throttled at 0.6 tokens, allowed at 1.2.
    response = sm.list_apps()
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(botocore_sleep.slept) == 2
    assert [c.throttled for c in call_log()] == [True, True, False]
    assert throttled_calls() == 2


@pytest.mark.parametrize(
    ("retries", "attempts"),
    [
        ({"mode": "standard", "total_max_attempts": 3}, 3),
        # botocore's max_attempts counts the retries, not the attempts: 1 is one retry.
        ({"max_attempts": 1}, 2),
        ({"max_attempts": 0}, 1),
    ],
)
def test_retries_give_up_while_the_bucket_stays_empty(
    emulator: Emulator,
    clock: FakeClock,
    botocore_sleep: BotocoreSleep,
    retries: dict[str, Any],
    attempts: int,
) -> None:
    botocore_sleep.step = 0.0  # time stands still
    sm = sm_client(**retries)
    set_throttle(1.0, burst=1)
    sm.list_apps()
    with pytest.raises(ClientError) as exc:
        sm.list_apps()
    assert error_of(exc)[0] == "ThrottlingException"
    assert exc.value.response["ResponseMetadata"]["RetryAttempts"] == attempts - 1
    assert throttled_calls() == attempts


def test_throttled_call_consumes_no_fault_but_waits_its_delay(
    emulator: Emulator, clock: FakeClock
) -> None:
    sm = sm_client()
    set_throttle(1.0, burst=1)
    sm.list_apps()
    inject_fault("ListApps", times=1)
    with pytest.raises(ClientError) as exc:
        sm.list_apps()
    assert error_of(exc)[0] == "ThrottlingException"
    set_throttle(None)
    with pytest.raises(ClientError) as exc:
        sm.list_apps()
    assert error_of(exc)[0] == "AccessDeniedException"  # the fault was still there
    assert sm.list_apps()["Apps"] == []

    set_throttle(1.0, burst=1)
    sm.list_apps()
    set_delay(0.2, ["ListApps"])
    started = time.monotonic()
    with pytest.raises(ClientError):
        sm.list_apps()
    assert time.monotonic() - started >= 0.2


def test_other_services_only_when_named(emulator: Emulator, clock: FakeClock) -> None:
    pricing = boto3.client("pricing", config=Config(retries={"total_max_attempts": 1}))
    set_throttle(1.0, burst=1)
    for _ in range(3):
        pricing.describe_services(ServiceCode="AmazonSageMaker")
    set_throttle(1.0, burst=1, actions=["pricing:*"])
    pricing.describe_services(ServiceCode="AmazonSageMaker")
    with pytest.raises(ClientError) as exc:
        pricing.describe_services(ServiceCode="AmazonSageMaker")
    assert error_of(exc) == ("ThrottlingException", "Rate exceeded", 400)
    assert [c.service for c in call_log() if c.throttled] == ["pricing"]
    sm = sm_client()
    for _ in range(3):
        sm.list_apps()  # SageMaker is not in this scope


def test_reset_turns_it_off(emulator: Emulator, clock: FakeClock) -> None:
    sm = sm_client()
    set_throttle(1.0, burst=1)
    sm.list_apps()
    with pytest.raises(ClientError):
        sm.list_apps()
    reset()
    assert throttle_settings() is None
    assert control.throttle_clock is time.monotonic
    for _ in range(5):
        sm.list_apps()
    assert throttled_calls() == 0


# --------------------------------------------------------------------------- HTTP and CLI


def test_http_control_route(emulator: Emulator) -> None:
    http = EmulatorClient(emulator.endpoint_url)
    sm = sm_client()
    assert http.throttle_settings() is None
    # The real clock: at 0.001 a second the bucket does not refill within the test.
    http.set_throttle(0.001, burst=3, actions=["ListApps"])
    assert http.throttle_settings() == {
        "rate_per_second": 0.001,
        "burst": 3,
        "actions": ["ListApps"],
    }
    for _ in range(3):
        sm.list_apps()
    with pytest.raises(ClientError) as exc:
        sm.list_apps()
    assert error_of(exc) == ("ThrottlingException", "Rate exceeded", 400)
    sm.list_domains()
    sm.list_domains()
    assert [(c["action"], c["throttled"]) for c in http.call_log()] == [
        *[("ListApps", False)] * 3,
        ("ListApps", True),
        ("ListDomains", False),
        ("ListDomains", False),
    ]
    assert http.throttled_calls() == 1

    http.set_throttle(None)
    assert http.throttle_settings() is None
    sm.list_apps()
    http.set_throttle(0.001)  # every SageMaker action, burst 1
    assert http.throttle_settings() == {"rate_per_second": 0.001, "burst": 1, "actions": None}
    sm.list_domains()
    with pytest.raises(ClientError):
        sm.list_domains()
    http.reset()
    assert http.throttle_settings() is None
    assert http.throttled_calls() == 0
    sm.list_domains()

    for body in (
        {"rate_per_second": -1},
        {"rate_per_second": "fast"},
        {"rate_per_second": 1, "burst": 1.5},
        {"rate_per_second": 1, "actions": "ListApps"},
        {"burst": 1},
    ):
        with pytest.raises(urllib.error.HTTPError) as http_error:
            http._call("POST", "throttle", body)
        assert http_error.value.code == 400
        http_error.value.close()
    assert http.throttle_settings() is None


def test_cli_flag_parses() -> None:
    parser = build_parser()
    args = parser.parse_args([])
    assert args.throttle is None and args.throttle_burst is None
    args = parser.parse_args(["--throttle", "2.5", "--throttle-burst", "4"])
    assert (args.throttle, args.throttle_burst) == (2.5, 4)
    for bad in (["--throttle", "0"], ["--throttle", "-1"], ["--throttle", "x"]):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)
    with pytest.raises(SystemExit):
        parser.parse_args(["--throttle", "1", "--throttle-burst", "0"])
    with pytest.raises(SystemExit):  # checked before anything starts
        main(["--throttle-burst", "3"])


def test_cli_throttles(emulator_cli: Any) -> None:
    with emulator_cli("--throttle", "0.001") as cli:
        deadline = time.monotonic() + 60
        while "throttling" not in cli.output():
            assert cli.proc.poll() is None and time.monotonic() < deadline, cli.output()
            time.sleep(0.05)
        assert "throttling every SageMaker operation to 0.001 calls/s (burst 1)" in cli.output()
        sm = boto3.client(
            "sagemaker",
            endpoint_url=cli.endpoint(),
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1}),
        )
        sm.list_apps()
        with pytest.raises(ClientError) as exc:
            sm.list_apps()
        assert error_of(exc) == ("ThrottlingException", "Rate exceeded", 400)
        assert EmulatorClient(cli.endpoint()).throttle_settings() == {
            "rate_per_second": 0.001,
            "burst": 1,
            "actions": None,
        }
