"""Thin REST handlers under {base_url}jupyter-smcost/.

They only translate HTTP to calls on the extension's services (services.py, which app.py
puts in the tornado settings); the logic lives elsewhere. A refusal from a service is an
`ApiError` (errors.py), answered by the base handler alone.
Every route is authenticated and authorized: jupyter_server's authorizer decides, for the
resource `smcost`, whether a user may `read` (GET status, config, schedule, cost, resources,
history, budget)
and `write` (PUT config, PUT schedule, POST activity, POST save-ack, POST actions, POST a
dismissal, POST history/seen).
"""

from __future__ import annotations

import getpass
import json
import logging
from types import TracebackType
from typing import Any, Generic, TypeVar

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web
from tornado.log import gen_log

from .cost.budget_service import BudgetService
from .cost.service import CostService
from .errors import ApiError
from .idle.checker import IdleShutdown
from .idle.saving import SaveCoordinator
from .idle.schedule import ScheduleError, ScheduleForbidden
from .jsonsafe import dumps
from .services import SERVICES_KEY, Services
from .suggestions.service import SuggestionsService
from .suggestions.store import valid_days

NAMESPACE = "jupyter-smcost"
#: The resource name a deployment's authorizer sees for every route of this extension.
AUTH_RESOURCE = "smcost"
#: Bounds on what a client may send: a save acknowledgement names at most this many files.
MAX_LIST_ITEMS = 10_000
MAX_TEXT = 4096

log = logging.getLogger(__name__)
T = TypeVar("T")

try:
    OWNER = getpass.getuser()
except Exception:  # no user name in this environment (some containers)
    OWNER = "jupyter"


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise web.HTTPError(400, f"{name} must be a non-empty string.")
    if len(value) > MAX_TEXT:
        raise web.HTTPError(400, f"{name} is longer than {MAX_TEXT} characters.")
    return value


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise web.HTTPError(400, f"{name} must be a list.")
    if len(value) > MAX_LIST_ITEMS:
        raise web.HTTPError(400, f"{name} has more than {MAX_LIST_ITEMS} items.")
    return value


class _Service(Generic[T]):
    """A handler's property: the field of this name of the `Services` in the settings."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, handler: Any, owner: type | None = None) -> T:
        service: T = getattr(handler.services, self.name)
        return service


class ServicesMixin:
    """The extension's services as typed properties (from `settings[SERVICES_KEY]`)."""

    settings: dict[str, Any]
    idle = _Service[IdleShutdown]()
    saver = _Service[SaveCoordinator]()
    cost = _Service[CostService]()
    suggestions = _Service[SuggestionsService]()
    budget = _Service[BudgetService]()

    @property
    def services(self) -> Services:
        services: Services = self.settings[SERVICES_KEY]
        return services


class BaseHandler(ServicesMixin, APIHandler):
    auth_resource = AUTH_RESOURCE

    def json_body(self) -> Any:
        if not self.request.body:
            return {}
        try:
            return json.loads(self.request.body)
        except RecursionError:
            raise web.HTTPError(400, "The request body is nested too deeply.") from None
        except ValueError:
            raise web.HTTPError(400, "The request body is not valid JSON.") from None

    @property
    def actor(self) -> dict[str, str]:
        """Who made the request, for the audit log, as jupyter_server resolved it. A request
        with the server's own token gets a new anonymous identity each time: whoever holds
        that token acts as the server's owner, so the owner is who it records."""
        user = self.current_user
        user_id = str(getattr(user, "username", None) or user or "anonymous")
        by_token = bool(self.token_authenticated)
        name = OWNER if by_token else str(getattr(user, "name", None) or user_id)
        return {
            "user": name,
            "user_id": user_id,
            "auth": "token" if by_token else "login",
            "server_owner": OWNER,
        }

    @property
    def owner(self) -> str:
        """Whose server this is: dismissals belong to the person the server runs for. (A
        token-authenticated request without a cookie gets a new identity each time, so the
        identity's name cannot key them.)"""
        return OWNER

    @property
    def may_act(self) -> bool:
        """Whether the authorizer lets this user run actions (POST actions needs `write`)."""
        authorizer = self.authorizer
        return bool(authorizer.is_authorized(self, self.current_user, "write", AUTH_RESOURCE))

    def finish_json(self, document: Any) -> None:
        self.finish(dumps(document))

    # A service's ApiError is answered here, once: its own status and JSON body, logged as
    # tornado logs an HTTPError (a warning line, no traceback).

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(value, ApiError):
            gen_log.warning("%d %s: %s", value.status, self._request_summary(), value.message)
            return
        super().log_exception(typ, value, tb)

    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, ApiError):
            status_code = exc.status
        super().send_error(status_code, **kwargs)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # APIHandler already answers JSON; make sure `message` carries the reason.
        exc = kwargs.get("exc_info", (None, None, None))[1]
        body = None
        if isinstance(exc, ApiError):
            body = exc.to_json()
        elif isinstance(exc, web.HTTPError) and exc.log_message:
            body = {"message": exc.log_message}
        if body is None:
            super().write_error(status_code, **kwargs)
            return
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


class StatusHandler(BaseHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        # The client id only registers an open tab for save requests; a poll is never activity.
        client_id = self.get_query_argument("client_id", None)
        if client_id:
            self.saver.seen(client_id[:MAX_TEXT])
        if self.idle.fleet_notice is not None:  # read while a browser polls: 0 calls at rest
            self.idle.fleet_notice.poll()
        self.finish_json(self.services.status())


class ConfigHandler(BaseHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        self.finish_json(self.idle.config_json())

    @web.authenticated
    @authorized
    def put(self) -> None:
        self.finish_json(self.idle.update_user_settings(self.json_body()))


class ActivityHandler(BaseHandler):
    @web.authenticated
    @authorized
    def post(self) -> None:
        body = self.json_body()
        source = body.get("source") if isinstance(body, dict) else None
        self.idle.record_activity(source if isinstance(source, str) and source else "ui")
        self.finish_json(self.idle.status_json())


class ScheduleHandler(BaseHandler):
    """The working hours' stop (idle/schedule.py): 403 for what the admin does not allow,
    400 for bad input."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        self.finish_json(self._call(lambda: self.idle.schedule_json()))

    @web.authenticated
    @authorized
    def put(self) -> None:
        body = self.json_body()
        self.finish_json(self._call(lambda: self.idle.update_schedule(body)))

    @staticmethod
    def _call(call: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = call()
        except ScheduleForbidden as err:
            raise ApiError(403, str(err)) from None
        except ScheduleError as err:
            raise ApiError(400, str(err)) from None
        return result


class SaveAckHandler(BaseHandler):
    @web.authenticated
    @authorized
    def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            raise web.HTTPError(400, "Expected a JSON object with request_id and client_id.")
        request_id = _text(body.get("request_id"), "request_id")
        client_id = _text(body.get("client_id"), "client_id")
        saved = [_text(p, "each saved path") for p in _list(body.get("saved"), "saved")]
        failed = []
        for item in _list(body.get("failed"), "failed"):
            if not isinstance(item, dict):
                raise web.HTTPError(400, 'Each failed entry must be {"path", "error"}.')
            failed.append(
                {
                    "path": _text(item.get("path"), "failed path"),
                    "error": str(item.get("error") or "unknown error")[:MAX_TEXT],
                }
            )
        accepted = self.saver.ack(request_id, client_id, saved, failed)
        if not accepted:
            raise web.HTTPError(409, "No such save request is waiting (it may have timed out).")
        self.finish_json({"accepted": True})


class HistoryHandler(BaseHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        self.finish_json(self.idle.history.to_json())


class HistorySeenHandler(BaseHandler):
    @web.authenticated
    @authorized
    def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            raise web.HTTPError(400, 'Expected a JSON object, {} or {"id": <the notice\'s id>}.')
        notice_id = body.get("id")
        if notice_id is not None and (
            isinstance(notice_id, bool) or not isinstance(notice_id, int) or notice_id < 0
        ):
            raise web.HTTPError(400, "id must be the notice's id, a whole number.")
        seen = self.idle.history.seen(notice_id)
        self.finish_json({"seen": seen, "notice": self.idle.history.notice()})


class CostHandler(BaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish_json(await self.cost.cost_json())


class BudgetHandler(BaseHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        # Never waits for AWS: the ledger as last observed, this app counted up to now.
        self.finish_json(self.budget.document())


class ResourcesHandler(BaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        # Bytes serialized once per listing by the cost service (NaN-safe, see jsonsafe).
        self.finish(await self.cost.resources_body())


class SuggestionsHandler(BaseHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        # Never waits for AWS: the last result, and a refresh started in the background.
        self.finish(self.suggestions.document_body(self.owner, actions_allowed=self.may_act))


class SuggestionActionHandler(BaseHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            raise web.HTTPError(
                400, 'Expected a JSON object {"suggestion_id", "action_id", "confirm": true}.'
            )
        suggestion_id = _text(body.get("suggestion_id"), "suggestion_id")
        action_id = _text(body.get("action_id"), "action_id")
        if body.get("confirm") is not True:
            raise web.HTTPError(400, 'An action runs only with "confirm": true.')
        result = await self.suggestions.act(
            self.actor, suggestion_id, action_id, body.get("values")
        )
        self.finish_json(result)


class DismissHandler(BaseHandler):
    @web.authenticated
    @authorized
    def post(self, suggestion_id: str) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            raise web.HTTPError(400, 'Expected a JSON object, {} or {"days": N}.')
        try:
            days = valid_days(body.get("days"))
        except ValueError as err:
            raise web.HTTPError(400, str(err)) from None
        self.finish_json(self.suggestions.dismiss(self.owner, suggestion_id, days))

    @web.authenticated
    @authorized
    def delete(self, suggestion_id: str) -> None:
        # Undo a dismissal (the panel's "show dismissed").
        self.finish_json(self.suggestions.restore(self.owner, suggestion_id))


#: Every route, relative to the server's base_url (the ExtensionApp's `handlers`).
HANDLERS: list[tuple[str, type[BaseHandler]]] = [
    (f"{NAMESPACE}/status", StatusHandler),
    (f"{NAMESPACE}/config", ConfigHandler),
    (f"{NAMESPACE}/activity", ActivityHandler),
    (f"{NAMESPACE}/schedule", ScheduleHandler),
    (f"{NAMESPACE}/save-ack", SaveAckHandler),
    (f"{NAMESPACE}/history", HistoryHandler),
    (f"{NAMESPACE}/history/seen", HistorySeenHandler),
    (f"{NAMESPACE}/cost", CostHandler),
    (f"{NAMESPACE}/resources", ResourcesHandler),
    (f"{NAMESPACE}/budget", BudgetHandler),
    (f"{NAMESPACE}/suggestions", SuggestionsHandler),
    (f"{NAMESPACE}/actions", SuggestionActionHandler),
    (f"{NAMESPACE}/suggestions/([A-Za-z0-9_.-]{{1,128}})/dismiss", DismissHandler),
]
