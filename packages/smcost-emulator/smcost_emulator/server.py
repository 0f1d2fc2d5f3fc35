"""The emulator as an HTTP server: moto's WSGI app, the Price List service and the
`/_smcost/` control routes (`routes`) on one port, on a daemon thread."""

from __future__ import annotations

import json
import threading
from typing import Any

from botocore.exceptions import ClientError
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from .api import InProcessControls
from .moto_api import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from .pricing import responses as price_list
from .routes import CONTROL_PREFIX, dispatch


class _QuietRequestHandler(MotoRequestHandler):
    """No access-log line per request: the demo prints app status changes instead."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, default=str), status=status, mimetype="application/json")


class ControlApp:
    """WSGI middleware: `/_smcost/...` is ours, everything else goes to moto.

    moto's server picks a backend app per request from the Host/Authorization headers and
    has no hook for extra routes, so wrapping its dispatcher is the clean way to add some.
    """

    def __init__(self, moto_app: Any) -> None:
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        # moto has no Price List service: its requests (told apart by their X-Amz-Target,
        # as the endpoint URL is the same) are answered here.
        if price_list.is_price_list_request(environ):
            return price_list.handle(Request(environ))(environ, start_response)
        if not environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            return self.moto_app(environ, start_response)
        response = self._handle(Request(environ))
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        route = request.path[len(CONTROL_PREFIX) :]
        body: dict[str, Any] = {}
        if request.method in ("POST", "PUT", "DELETE") and request.data:
            try:
                loaded = json.loads(request.data)
            except ValueError:
                return _json({"message": "body must be JSON"}, 400)
            if not isinstance(loaded, dict):
                return _json({"message": "body must be a JSON object"}, 400)
            body = loaded
        try:
            return _json(dispatch(request.method, route, body, request.host_url.rstrip("/")))
        except (KeyError, TypeError, ValueError) as e:
            return _json({"message": f"bad request: {e!r}"}, 400)
        except LookupError as e:  # no such route, or set_state on a resource that does not exist
            return _json({"message": str(e)}, 404)
        except ClientError as e:  # seed-demo over existing state: reset first
            return _json({"message": str(e)}, 409)


class Emulator(InProcessControls):
    """moto's server with the Studio calls and the control routes, on a daemon thread; its
    methods (`facade.Controls`) act on this process's emulator."""

    endpoint_url: str

    def __init__(self, port: int = 0, host: str = "127.0.0.1", quiet: bool = True) -> None:
        app = ControlApp(DomainDispatcherApplication(create_backend_app))
        handler = _QuietRequestHandler if quiet else MotoRequestHandler
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=handler
        )
        self.host = host
        self.port = int(self._server.server_address[1])
        # A wildcard bind is still reached over loopback.
        url_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        super().__init__(f"http://{url_host}:{self.port}")
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"smcost-emulator-{self.port}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_emulator(port: int = 0, host: str = "127.0.0.1", quiet: bool = True) -> Emulator:
    """Start the emulator on `host:port` (0: a free port); see `Emulator.endpoint_url`."""
    return Emulator(port=port, host=host, quiet=quiet)


__all__ = ["ControlApp", "Emulator", "start_emulator"]
