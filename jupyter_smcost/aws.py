"""One place for AWS clients: region, retries, timeouts, and calls off the event loop.

botocore is imported lazily: it costs tens of MB and most server starts never need it before
the first check. All clients of the server come from one botocore session (its `AwsClients`),
so loaders, endpoint data and credentials are shared; the product never imports boto3 (it
adds about 3 MB and nothing we use). Endpoints and credentials come only from the standard
settings (`AWS_ENDPOINT_URL_SAGEMAKER`, `AWS_PROFILE`, `AWS_DEFAULT_REGION`, the credential
chain).

A hung AWS (an endpoint that accepts connections and never answers) blocks nothing:
- every attempt is bounded by botocore's connect and read timeouts (3 s and 10 s), with one
  retry at most, so a worker thread is free again after about 2 x (3 + 10) + 1 = 27 s; a call
  that changes something (`call_once`: a user's stop, delete or tag) is never retried, since
  AWS may have carried out the attempt it answered too late;
- the caller stops waiting after `call_timeout` (15 s) and gets `AwsError(code="Timeout")`;
  a call still queued then is cancelled and never sent;
- the shutdown actions run on their own single worker (`urgent=True`), so a DeleteApp never
  queues behind listings and describes that fill the shared pool;
- the workers are daemon threads: one stuck in a socket read never holds up the exit
  (concurrent.futures' pool joins its threads at interpreter exit, whatever they wait for).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

log = logging.getLogger(__name__)

#: Error codes that mean "the caller may not do this"; retrying soon will not help.
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException"})
NOT_FOUND_CODES = frozenset({"ResourceNotFound", "ResourceNotFoundException"})
#: Error codes that mean "AWS could not serve this now"; the same call may work later.
BUSY_CODES = THROTTLING_CODES | frozenset(
    {"InternalFailure", "InternalServerError", "ServiceUnavailable", "RequestLimitExceeded"}
)
#: Codes of a call whose answer never came: AWS may or may not have carried it out.
UNANSWERED_CODES = frozenset({"Timeout", "EndpointUnreachable"})

#: Seconds to open a connection, and to wait for each read of an answer (per attempt).
DEFAULT_CONNECT_TIMEOUT = 3.0
DEFAULT_READ_TIMEOUT = 10.0
#: Attempts per call (botocore's standard mode: the first try and one retry).
DEFAULT_MAX_ATTEMPTS = 2
#: Seconds a caller waits for one call, queueing included; a paginated listing gets
#: `PAGINATE_FACTOR` times as long.
DEFAULT_CALL_TIMEOUT = 15.0
PAGINATE_FACTOR = 4


def client_config(
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> Any:
    """The botocore Config of every client of this package (the Price List one too)."""
    from botocore.config import Config

    return Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        # total_max_attempts counts the first try; botocore's `max_attempts` counts only retries.
        retries={"total_max_attempts": max_attempts, "mode": "standard"},
        user_agent_extra="jupyter-smcost",
    )


class DaemonPool(Executor):
    """A small thread pool whose threads never hold up the interpreter's exit.

    `ThreadPoolExecutor` joins its (non-daemon) workers at exit, so one worker blocked in a
    socket read keeps a stopping server alive. These workers are daemon threads, started on
    demand up to `max_workers`; `shutdown(wait=False, cancel_futures=True)` drops the queue.
    """

    def __init__(self, max_workers: int, name: str) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._max_workers = max_workers
        self._name = name
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = (
            queue.SimpleQueue()
        )
        self._threads: list[threading.Thread] = []
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._shutdown = False
        #: Calls running now (for tests and diagnostics).
        self.busy = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new calls after shutdown")
            future: Future[Any] = Future()
            self._queue.put((future, functools.partial(fn, *args, **kwargs)))
            if not self._idle.acquire(blocking=False) and len(self._threads) < self._max_workers:
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}_{len(self._threads)}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
            return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                self._queue.put(None)  # wake the next worker too
                return
            future, fn = item
            del item
            if future.set_running_or_notify_cancel():
                with self._lock:
                    self.busy += 1
                try:
                    result = fn()
                except BaseException as err:  # noqa: BLE001 - handed to the caller
                    future.set_exception(err)
                else:
                    future.set_result(result)
                finally:
                    with self._lock:
                        self.busy -= 1
            del future, fn
            self._idle.release()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True
        if cancel_futures:
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
        self._queue.put(None)
        if wait:
            for thread in list(self._threads):
                thread.join()


class AwsError(Exception):
    """An AWS call that failed, in words a user can act on."""

    def __init__(
        self, operation: str, code: str, message: str, http_status: int | None = None
    ) -> None:
        super().__init__(f"{operation}: {code}: {message}")
        self.operation = operation
        self.code = code
        self.message = message
        #: The HTTP status of AWS's answer (None: no answer, or not an HTTP error).
        self.http_status = http_status

    @property
    def access_denied(self) -> bool:
        return self.code in ACCESS_DENIED_CODES

    @property
    def busy(self) -> bool:
        """AWS throttled the call or failed on its side (5xx): nothing is missing here."""
        return self.code in BUSY_CODES or (self.http_status or 0) >= 500

    @property
    def unanswered(self) -> bool:
        """No answer came: the call may have been carried out all the same."""
        return self.code in UNANSWERED_CODES

    @property
    def not_found(self) -> bool:
        return self.code in NOT_FOUND_CODES

    def __str__(self) -> str:
        return f"{self.operation} failed: {self.code}: {self.message}"


def translate_error(operation: str, err: BaseException) -> AwsError:
    """Map botocore's exceptions to an AwsError with a stable code."""
    from botocore import exceptions as bx

    if isinstance(err, bx.ClientError):
        error = err.response.get("Error", {})
        code = str(error.get("Code") or "ClientError")
        message = str(error.get("Message") or err)
        if code in ACCESS_DENIED_CODES:
            message += " (add this permission to the execution role)"
        status = (err.response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        return AwsError(operation, code, message, status if isinstance(status, int) else None)
    if isinstance(err, bx.NoCredentialsError | bx.PartialCredentialsError):
        return AwsError(operation, "NoCredentials", "no AWS credentials found")
    if isinstance(err, bx.NoRegionError):
        return AwsError(operation, "NoRegion", "no AWS region configured")
    if isinstance(err, bx.EndpointConnectionError | bx.ConnectionClosedError):
        return AwsError(operation, "EndpointUnreachable", f"cannot reach the endpoint ({err})")
    if isinstance(err, bx.ConnectTimeoutError | bx.ReadTimeoutError):
        return AwsError(operation, "Timeout", f"AWS did not answer in time ({err})")
    if isinstance(err, bx.BotoCoreError):
        return AwsError(operation, type(err).__name__, str(err))
    return AwsError(operation, type(err).__name__, str(err) or repr(err))


def new_session() -> Any:
    import botocore.session

    return botocore.session.get_session()


class AwsClients:
    """Lazily created, shared boto3 clients, and bounded thread pools to call them from:
    a shared one (listings, describes, price lookups) and a single worker of its own for
    the shutdown actions (`urgent=True`), which the shared pool's calls cannot starve.

    boto3 clients are thread-safe once created; creating them is not, hence the lock.
    """

    def __init__(
        self,
        region: str | None,
        *,
        max_workers: int = 4,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
    ) -> None:
        self.region = region
        self._clients: dict[tuple[str, str | None, int], Any] = {}
        self._session: Any = None
        self._lock = threading.Lock()
        self._executor = DaemonPool(max_workers, "smcost-aws")
        self._urgent = DaemonPool(1, "smcost-aws-action")
        self._timeouts = (connect_timeout, read_timeout)
        self._max_attempts = max_attempts
        self.call_timeout = call_timeout
        self.calls = 0

    @property
    def worst_case_seconds(self) -> float:
        """How long a worker may be busy with one hung call: every attempt waits for the
        connection and one read, with up to 1 s of backoff before each retry."""
        connect, read = self._timeouts
        return self._max_attempts * (connect + read) + (self._max_attempts - 1)

    @property
    def read_timeout(self) -> float:
        return self._timeouts[1]

    def client(self, service: str, region: str | None = None, *, attempts: int = 0) -> Any:
        """The shared client of `service` in `region` (default: this app's region);
        `attempts`: its own client making that many attempts per call (0: the default)."""
        region = region or self.region or None
        attempts = attempts or self._max_attempts
        with self._lock:
            found = self._clients.get((service, region, attempts))
            if found is None:
                if self._session is None:
                    self._session = new_session()
                config = client_config(*self._timeouts, attempts)
                found = self._session.create_client(service, region_name=region, config=config)
                self._clients[(service, region, attempts)] = found
            return found

    def call_sync(
        self,
        service: str,
        operation: str,
        *,
        region: str | None = None,
        attempts: int = 0,
        **params: Any,
    ) -> dict[str, Any]:
        """Call from a worker thread; raises AwsError. `region`: another region than this
        app's (Cost Explorer answers in us-east-1 only)."""
        self.calls += 1
        try:
            method = getattr(self.client(service, region, attempts=attempts), operation)
            result: dict[str, Any] = method(**params)
        except Exception as err:
            raise translate_error(_operation_name(operation), err) from err
        return result

    async def _bounded(
        self, operation: str, fn: Callable[[], Any], *, urgent: bool, timeout: float
    ) -> Any:
        """Run `fn` in a pool; stop waiting after `timeout` s (queueing included)."""
        pool = self._urgent if urgent else self._executor
        future = asyncio.get_running_loop().run_in_executor(pool, fn)
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            # wait_for cancelled the future: a call still queued is never sent.
            raise AwsError(
                _operation_name(operation), "Timeout", f"AWS did not answer within {timeout:g} s"
            ) from None

    async def call(
        self,
        service: str,
        operation: str,
        *,
        urgent: bool = False,
        region: str | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        """Run a boto3 call in a pool so the event loop never waits on AWS; raises AwsError
        (code `Timeout` after `call_timeout` s). `urgent`: the shutdown actions' own worker."""
        fn = functools.partial(self.call_sync, service, operation, region=region, **params)
        result: dict[str, Any] = await self._bounded(
            operation, fn, urgent=urgent, timeout=self.call_timeout
        )
        return result

    async def call_once(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """A call that changes something (stop, delete, tag), sent exactly once: botocore's
        retry would repeat a stop that AWS carried out but answered too late. The wait
        outlasts the client's own timeouts, so an AwsError(`Timeout`) means the one
        attempt is over, though AWS may have acted on it (see AwsError.unanswered)."""
        fn = functools.partial(self.call_sync, service, operation, attempts=1, **params)
        connect, read = self._timeouts
        wait = max(self.call_timeout, connect + read + 1.0)
        result: dict[str, Any] = await self._bounded(operation, fn, urgent=False, timeout=wait)
        return result

    async def run(self, fn: Any) -> Any:
        """Run any blocking function (e.g. a price lookup) in the shared AWS pool. Its AWS
        calls are bounded by their client's timeouts; the caller bounds the wait."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def paginate(
        self, service: str, operation: str, key: str, *, urgent: bool = False, **params: Any
    ) -> list[dict[str, Any]]:
        """All items of a paginated list call (run off the loop, bounded like `call`)."""

        def collect() -> list[dict[str, Any]]:
            self.calls += 1
            try:
                paginator = self.client(service).get_paginator(operation)
                items: list[dict[str, Any]] = []
                for page in paginator.paginate(**params):
                    items.extend(page.get(key, []))
                return items
            except Exception as err:
                raise translate_error(_operation_name(operation), err) from err

        items: list[dict[str, Any]] = await self._bounded(
            operation, collect, urgent=urgent, timeout=self.call_timeout * PAGINATE_FACTOR
        )
        return items

    def close(self) -> None:
        """Drop queued calls and return at once: a call in flight is abandoned (its daemon
        worker ends with its timeouts, or with the process)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._urgent.shutdown(wait=False, cancel_futures=True)


def _operation_name(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))
