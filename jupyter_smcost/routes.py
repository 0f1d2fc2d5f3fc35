"""Thin authenticated REST handlers under {base_url}jupyter-smcost/.

They only translate HTTP to calls on the extension's objects; the logic lives elsewhere.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from jupyter_server.base.handlers import APIHandler
from tornado import web

from .idle.settings import SettingsError

if TYPE_CHECKING:
    from .app import SMCost

NAMESPACE = "jupyter-smcost"


class BaseHandler(APIHandler):
    @property
    def smcost(self) -> SMCost:
        app: SMCost = self.settings["jupyter_smcost"]
        return app

    def json_body(self) -> Any:
        if not self.request.body:
            return {}
        try:
            return json.loads(self.request.body)
        except ValueError:
            raise web.HTTPError(400, "The request body is not valid JSON.") from None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # APIHandler already answers JSON; make sure `message` carries the reason.
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, web.HTTPError) and exc.log_message:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"message": exc.log_message}))
            return
        super().write_error(status_code, **kwargs)


class StatusHandler(BaseHandler):
    @web.authenticated
    def get(self) -> None:
        # The client id only registers an open tab for save requests; a poll is never activity.
        self.smcost.idle.saver.seen(self.get_query_argument("client_id", None))
        self.finish(json.dumps(self.smcost.status_json()))


class ConfigHandler(BaseHandler):
    @web.authenticated
    def get(self) -> None:
        self.finish(json.dumps(self.smcost.idle.config_json()))

    @web.authenticated
    def put(self) -> None:
        try:
            result = self.smcost.idle.update_user_settings(self.json_body())
        except SettingsError as err:
            raise web.HTTPError(err.status, err.message) from None
        self.finish(json.dumps(result))


class ActivityHandler(BaseHandler):
    @web.authenticated
    def post(self) -> None:
        body = self.json_body()
        source = body.get("source") if isinstance(body, dict) else None
        self.smcost.idle.record_activity(source if isinstance(source, str) and source else "ui")
        self.finish(json.dumps(self.smcost.idle.status_json()))


class SaveAckHandler(BaseHandler):
    @web.authenticated
    def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict) or not body.get("request_id") or not body.get("client_id"):
            raise web.HTTPError(400, "Expected request_id and client_id.")
        saved = [str(p) for p in body.get("saved") or []]
        failed = [
            {"path": str(f.get("path", "?")), "error": str(f.get("error", "unknown error"))}
            for f in body.get("failed") or []
            if isinstance(f, dict)
        ]
        accepted = self.smcost.idle.saver.ack(
            str(body["request_id"]), str(body["client_id"]), saved, failed
        )
        if not accepted:
            raise web.HTTPError(409, "No such save request is waiting (it may have timed out).")
        self.finish(json.dumps({"accepted": True}))


class CostHandler(BaseHandler):
    @web.authenticated
    async def get(self) -> None:
        self.finish(json.dumps(await self.smcost.cost_json()))


class ResourcesHandler(BaseHandler):
    @web.authenticated
    async def get(self) -> None:
        self.finish(json.dumps(await self.smcost.resources_json()))


def handlers() -> list[tuple[str, type[BaseHandler]]]:
    return [
        (f"{NAMESPACE}/status", StatusHandler),
        (f"{NAMESPACE}/config", ConfigHandler),
        (f"{NAMESPACE}/activity", ActivityHandler),
        (f"{NAMESPACE}/save-ack", SaveAckHandler),
        (f"{NAMESPACE}/cost", CostHandler),
        (f"{NAMESPACE}/resources", ResourcesHandler),
    ]
