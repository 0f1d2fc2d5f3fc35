"""One place for AWS clients: region, retries, timeouts, and calls off the event loop.

boto3 is imported lazily: it costs tens of MB and most server starts never need it before
the first check. Endpoints and credentials come only from boto3's standard settings
(`AWS_ENDPOINT_URL_SAGEMAKER`, `AWS_DEFAULT_REGION`, the credential chain).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

#: Error codes that mean "the caller may not do this"; retrying soon will not help.
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException"})
NOT_FOUND_CODES = frozenset({"ResourceNotFound", "ResourceNotFoundException"})


class AwsError(Exception):
    """An AWS call that failed, in words a user can act on."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        super().__init__(f"{operation}: {code}: {message}")
        self.operation = operation
        self.code = code
        self.message = message

    @property
    def access_denied(self) -> bool:
        return self.code in ACCESS_DENIED_CODES

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
        return AwsError(operation, code, message)
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


class AwsClients:
    """Lazily created, shared boto3 clients, and a bounded thread pool to call them from.

    boto3 clients are thread-safe once created; creating them is not, hence the lock.
    """

    def __init__(
        self,
        region: str | None,
        *,
        max_workers: int = 4,
        connect_timeout: float = 5,
        read_timeout: float = 20,
        max_attempts: int = 3,
    ) -> None:
        self.region = region
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="smcost-aws"
        )
        self._timeouts = (connect_timeout, read_timeout)
        self._max_attempts = max_attempts
        self.calls = 0

    def client(self, service: str) -> Any:
        with self._lock:
            found = self._clients.get(service)
            if found is None:
                import boto3
                from botocore.config import Config

                config = Config(
                    connect_timeout=self._timeouts[0],
                    read_timeout=self._timeouts[1],
                    retries={"max_attempts": self._max_attempts, "mode": "standard"},
                    user_agent_extra="jupyter-smcost",
                )
                session = boto3.session.Session()
                found = session.client(service, region_name=self.region or None, config=config)
                self._clients[service] = found
            return found

    def call_sync(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """Call from a worker thread; raises AwsError."""
        self.calls += 1
        try:
            method = getattr(self.client(service), operation)
            result: dict[str, Any] = method(**params)
        except Exception as err:
            raise translate_error(_operation_name(operation), err) from err
        return result

    async def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """Run a boto3 call in the pool so the event loop never waits on AWS."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(self.call_sync, service, operation, **params)
        )

    async def run(self, fn: Any) -> Any:
        """Run any blocking function (e.g. a price lookup) in the AWS pool."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def paginate(
        self, service: str, operation: str, key: str, **params: Any
    ) -> list[dict[str, Any]]:
        """All items of a paginated list call (run off the loop)."""

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

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, collect)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _operation_name(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))
