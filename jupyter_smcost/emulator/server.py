"""The emulator as an HTTP server (moto's WSGI app plus our `/_smcost/` control routes),
a client for those routes, and the demo seed."""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from .models import CallRecord, control, iter_apps, reset_state

CONTROL_PREFIX = "/_smcost/"


class _QuietRequestHandler(MotoRequestHandler):
    """No access-log line per request: the demo prints app status changes instead."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, default=str), status=status, mimetype="application/json")


def apps_snapshot() -> list[dict[str, Any]]:
    """Every app with its current status (reading it also advances Deleting -> Deleted)."""
    return [
        {
            "AccountId": account_id,
            "Region": region,
            "DomainId": app.domain_id,
            "SpaceName": app.space_name,
            "UserProfileName": app.user_profile_name,
            "AppType": app.app_type,
            "AppName": app.app_name,
            "AppArn": app.arn,
            "Status": app.status,
            "InstanceType": app.resource_spec.get("InstanceType"),
        }
        for account_id, region, app in iter_apps()
    ]


class ControlApp:
    """WSGI middleware: `/_smcost/...` is ours, everything else goes to moto.

    moto's server picks a backend app per request from the Host/Authorization headers and
    has no hook for extra routes, so wrapping its dispatcher is the clean way to add some.
    """

    def __init__(self, moto_app: Any) -> None:
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            return self.moto_app(environ, start_response)
        response = self._handle(Request(environ))
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        route = request.path[len(CONTROL_PREFIX) :].strip("/")
        body: dict[str, Any] = {}
        if request.method in ("POST", "PUT") and request.data:
            try:
                loaded = json.loads(request.data)
            except ValueError:
                return _json({"message": "body must be JSON"}, 400)
            if not isinstance(loaded, dict):
                return _json({"message": "body must be a JSON object"}, 400)
            body = loaded
        try:
            return self._route(request.method, route, body, request.host_url)
        except (KeyError, TypeError, ValueError) as e:
            return _json({"message": f"bad request: {e!r}"}, 400)
        except ClientError as e:  # seed-demo over existing state: reset first
            return _json({"message": str(e)}, 409)

    def _route(self, method: str, route: str, body: dict[str, Any], host_url: str) -> Response:
        if route == "health" and method == "GET":
            return _json({"ok": True})
        if route == "reset" and method == "POST":
            reset_state()
            return _json({"ok": True})
        if route == "faults" and method == "POST":
            control.inject_fault(
                str(body["action"]),
                str(body.get("code", "AccessDeniedException")),
                str(body.get("message", "Injected fault: not authorized to perform this action")),
                int(body.get("status", 400)),
                None if body.get("times") is None else int(body["times"]),
            )
            return _json({"ok": True})
        if route == "faults" and method == "DELETE":
            control.clear_faults()
            return _json({"ok": True})
        if route == "delay" and method == "POST":
            actions = body.get("actions")
            control.set_delay(float(body["seconds"]), None if actions is None else list(actions))
            return _json({"ok": True})
        if route == "delete-delay" and method == "POST":
            control.set_delete_delay(float(body["seconds"]))
            return _json({"ok": True})
        if route == "calls" and method == "GET":
            return _json({"calls": [c._asdict() for c in control.calls()]})
        if route == "calls" and method == "DELETE":
            control.clear_calls()
            return _json({"ok": True})
        if route == "apps" and method == "GET":
            return _json({"apps": apps_snapshot()})
        if route == "seed-demo" and method == "POST":
            # Goes through boto3 back into this (threaded) server, like any client.
            return _json(seed_demo(host_url.rstrip("/"), **body))
        return _json({"message": f"no route {method} {CONTROL_PREFIX}{route}"}, 404)


class Emulator:
    """moto's server with the Studio calls and the control routes, on a daemon thread."""

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
        self.endpoint_url = f"http://{url_host}:{self.port}"
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

    # Conveniences over the process-wide controls, so a fixture's object is enough.
    def reset(self) -> None:
        reset_state()

    def inject_fault(
        self,
        action: str,
        code: str = "AccessDeniedException",
        message: str = "Injected fault: not authorized to perform this action",
        status: int = 400,
        times: int | None = None,
    ) -> None:
        control.inject_fault(action, code, message, status, times)

    def clear_faults(self) -> None:
        control.clear_faults()

    def set_delay(self, seconds: float, actions: list[str] | None = None) -> None:
        control.set_delay(seconds, actions)

    def set_delete_delay(self, seconds: float) -> None:
        control.set_delete_delay(seconds)

    def call_log(self) -> list[CallRecord]:
        return control.calls()

    def clear_call_log(self) -> None:
        control.clear_calls()

    def apps(self) -> list[dict[str, Any]]:
        return apps_snapshot()

    def client(self, service: str = "sagemaker", region: str = "us-east-1", **kwargs: Any) -> Any:
        """A boto3 client for this emulator (dummy credentials unless the env has some)."""
        return _session(region).client(service, endpoint_url=self.endpoint_url, **kwargs)

    def seed_demo(self, **kwargs: Any) -> dict[str, Any]:
        return seed_demo(self.endpoint_url, **kwargs)


def start_emulator(port: int = 0, host: str = "127.0.0.1", quiet: bool = True) -> Emulator:
    """Start the emulator on `host:port` (0: a free port); see `Emulator.endpoint_url`."""
    return Emulator(port=port, host=host, quiet=quiet)


class EmulatorClient:
    """The control routes of an emulator running in another process (stdlib only)."""

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

    def health(self) -> bool:
        return bool(self._call("GET", "health").get("ok"))

    def reset(self) -> None:
        self._call("POST", "reset", {})

    def inject_fault(
        self,
        action: str,
        code: str = "AccessDeniedException",
        message: str = "Injected fault: not authorized to perform this action",
        status: int = 400,
        times: int | None = None,
    ) -> None:
        self._call(
            "POST",
            "faults",
            {"action": action, "code": code, "message": message, "status": status, "times": times},
        )

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def set_delay(self, seconds: float, actions: list[str] | None = None) -> None:
        self._call("POST", "delay", {"seconds": seconds, "actions": actions})

    def set_delete_delay(self, seconds: float) -> None:
        self._call("POST", "delete-delay", {"seconds": seconds})

    def call_log(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "calls")["calls"])

    def clear_call_log(self) -> None:
        self._call("DELETE", "calls")

    def apps(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "apps")["apps"])

    def seed_demo(self, **kwargs: Any) -> dict[str, Any]:
        """`seed_demo` on the server (e.g. again after `reset`); same keyword arguments."""
        return dict(self._call("POST", "seed-demo", kwargs))


# --------------------------------------------------------------------------- demo seed


def _session(region: str) -> boto3.session.Session:
    # Dummy credentials unless the caller set some; never written to os.environ.
    return boto3.session.Session(
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        aws_session_token=os.environ.get("AWS_SESSION_TOKEN"),
        region_name=region,
    )


def seed_demo(
    endpoint_url: str,
    region: str = "us-east-1",
    instance_type: str = "ml.g5.xlarge",
    *,
    domain_name: str = "demo",
    user_profile_name: str = "demo-user",
    space_name: str = "demo-space",
    app_name: str = "default",
    app_type: str = "JupyterLab",
) -> dict[str, Any]:
    """Create through boto3 a Studio domain, a user profile, a private space owned by it
    and an InService `app_type` app in that space on `instance_type`.

    Returns the names, ids and ARNs, and under "metadata" the content of the matching
    SageMaker metadata file (/opt/ml/metadata/resource-metadata.json).
    """
    session = _session(region)
    account_id = session.client("sts", endpoint_url=endpoint_url).get_caller_identity()["Account"]
    sm = session.client("sagemaker", endpoint_url=endpoint_url)
    role_arn = f"arn:aws:iam::{account_id}:role/service-role/AmazonSageMaker-ExecutionRole-demo"

    domain_arn = sm.create_domain(
        DomainName=domain_name,
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": role_arn},
        SubnetIds=["subnet-0demo"],
        VpcId="vpc-0demo",
    )["DomainArn"]
    domain_id = domain_arn.rsplit("/", 1)[-1]
    user_arn = sm.create_user_profile(
        DomainId=domain_id,
        UserProfileName=user_profile_name,
        UserSettings={"ExecutionRole": role_arn},
    )["UserProfileArn"]
    space_arn = sm.create_space(
        DomainId=domain_id,
        SpaceName=space_name,
        SpaceSettings={
            "AppType": app_type,
            f"{app_type}AppSettings": {"DefaultResourceSpec": {"InstanceType": instance_type}},
        },
        OwnershipSettings={"OwnerUserProfileName": user_profile_name},
        SpaceSharingSettings={"SharingType": "Private"},
    )["SpaceArn"]
    app_arn = sm.create_app(
        DomainId=domain_id,
        SpaceName=space_name,
        AppType=app_type,
        AppName=app_name,
        ResourceSpec={"InstanceType": instance_type},
    )["AppArn"]

    metadata = {
        "AppType": app_type,
        "DomainId": domain_id,
        "SpaceName": space_name,
        "UserProfileName": "",  # empty for an app in a space, as SageMaker writes it
        "ResourceArn": app_arn,
        "ResourceName": app_name,
        "ExecutionRoleArn": role_arn,
    }
    return {
        "endpoint_url": endpoint_url,
        "region": region,
        "account_id": account_id,
        "domain_id": domain_id,
        "domain_arn": domain_arn,
        "user_profile_name": user_profile_name,
        "user_profile_arn": user_arn,
        "space_name": space_name,
        "space_arn": space_arn,
        "app_type": app_type,
        "app_name": app_name,
        "app_arn": app_arn,
        "instance_type": instance_type,
        "execution_role_arn": role_arn,
        "metadata": metadata,
    }
