"""`EmulatorClient`: the controls of an emulator running in another process, over HTTP to
its `/_smcost/` routes (stdlib only; see `facade.Controls` for the methods)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from .facade import Controls

CONTROL_PREFIX = "/_smcost/"


class EmulatorClient(Controls):
    """The control routes of an emulator at `endpoint_url`; an error is urllib's
    HTTPError (400 bad request, 404 unknown resource or route, 409 seeded already)."""

    def __init__(self, endpoint_url: str, timeout: float = 10.0) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.endpoint_url}{CONTROL_PREFIX}{route}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.loads(response.read() or b"null")


__all__ = ["CONTROL_PREFIX", "EmulatorClient"]
