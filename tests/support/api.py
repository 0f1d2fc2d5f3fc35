"""The extension's REST API as a test calls it, through pytest-jupyter's `jp_fetch`: JSON in,
JSON out, an error answer returned with its code rather than raised."""

from __future__ import annotations

import json
from typing import Any

from tornado.httpclient import HTTPClientError


def extension(serverapp: Any) -> Any:
    """The running SMCost extension app of a server."""
    return serverapp.extension_manager.extension_points["jupyter_smcost"].app


class SMCostAPI:
    """Calls to `/jupyter-smcost/<route>` of the test server (the `smcost_api` fixture)."""

    def __init__(self, fetch: Any) -> None:
        self._fetch = fetch

    async def call(
        self, route: str, method: str = "GET", body: Any = None, **kwargs: Any
    ) -> tuple[int, Any]:
        """The code and JSON document of an answer, an error answer included. POST and PUT
        without a body send `{}`."""
        if body is not None:
            kwargs["body"] = json.dumps(body)
        elif method in ("POST", "PUT"):
            kwargs["body"] = "{}"
        return await self._answer(route, method=method, **kwargs)

    async def send(self, method: str, route: str, body: bytes | str) -> tuple[int, Any]:
        """The code and JSON document of an answer to a body sent as it is (bad JSON, say)."""
        return await self._answer(route, method=method, body=body)

    async def _answer(self, route: str, **kwargs: Any) -> tuple[int, Any]:
        try:
            response = await self._fetch("jupyter-smcost", route, **kwargs)
        except HTTPClientError as err:
            assert err.response is not None, err
            return err.code, json.loads(err.response.body)
        return int(response.code), json.loads(response.body)

    async def get(self, route: str, **kwargs: Any) -> Any:
        """The JSON document of a GET that must answer 200."""
        code, doc = await self.call(route, **kwargs)
        assert code == 200, (code, doc)
        return doc

    async def post(self, route: str, body: Any = None) -> tuple[int, Any]:
        return await self.call(route, "POST", body)

    async def put(self, route: str, body: Any = None) -> tuple[int, Any]:
        return await self.call(route, "PUT", body)
