"""The emulator as an HTTP server (moto's WSGI app, the Price List service and our
`/_smcost/` control routes), a client for those routes, and the demo seed."""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
from botocore.exceptions import ClientError
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from . import price_list
from .catalog import catalog, summarize
from .models import CallRecord, control, iter_apps, reset_state
from .moto_api import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from .savings_plans import DEFAULT_TYPE, recommendations
from .state import UNSET, seed_training_jobs, set_state

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
        # moto has no Price List service: its requests (told apart by their X-Amz-Target,
        # as the endpoint URL is the same) are answered here.
        if price_list.is_price_list_request(environ):
            return price_list.handle(Request(environ))(environ, start_response)
        if not environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            return self.moto_app(environ, start_response)
        response = self._handle(Request(environ))
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        route = request.path[len(CONTROL_PREFIX) :].strip("/")
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
            return self._route(request.method, route, body, request.host_url)
        except (KeyError, TypeError, ValueError) as e:
            return _json({"message": f"bad request: {e!r}"}, 400)
        except LookupError as e:  # set_state on a resource that does not exist
            return _json({"message": str(e)}, 404)
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
            return _json({"calls": [c.to_dict() for c in control.calls()]})
        if route == "calls" and method == "DELETE":
            control.clear_calls()
            return _json({"ok": True})
        if route == "apps" and method == "GET":
            return _json({"apps": apps_snapshot()})
        if route == "prices" and method == "GET":
            return _json({"products": [summarize(p) for p in catalog.products()]})
        if route == "prices" and method == "POST":
            usd = body["usd_per_gb_month"] if "usd_per_gb_month" in body else body["usd_per_hour"]
            doc = catalog.put(
                str(body["region"]), str(body["component"]), str(body["instance_type"]), float(usd)
            )
            return _json({"product": summarize(doc)})
        if route == "prices" and method == "DELETE":
            removed = catalog.remove(
                str(body["region"]), str(body["component"]), str(body["instance_type"])
            )
            return _json({"removed": removed})
        if route == "price-page-size" and method == "POST":
            size = body.get("size")
            catalog.set_page_size(None if size is None else int(size))
            return _json({"ok": True})
        if route == "state" and method == "POST":
            return _json(_set_state_from_body(body))
        if route == "training-jobs" and method == "POST":
            arns = seed_training_jobs(
                int(body["count"]),
                **{
                    k: body[k]
                    for k in ("region", "account_id", "prefix", "instance_type", "tags", "spot")
                    if k in body
                },
                started_seconds_ago=float(body.get("started_seconds_ago", 600)),
            )
            return _json({"created": len(arns)})
        if route == "savings-plan-recommendation" and method == "POST":
            stored = recommendations.set(
                body["recommendation"], str(body.get("savings_plans_type", DEFAULT_TYPE))
            )
            return _json({"recommendation": stored})
        if route == "savings-plan-recommendation" and method == "GET":
            return _json({"recommendations": recommendations.all()})
        if route == "seed-demo" and method == "POST":
            # Goes through boto3 back into this (threaded) server, like any client.
            return _json(seed_demo(host_url.rstrip("/"), **body))
        return _json({"message": f"no route {method} {CONTROL_PREFIX}{route}"}, 404)


def _set_state_from_body(body: dict[str, Any]) -> dict[str, Any]:
    def number(key: str) -> float | None:
        return None if body.get(key) is None else float(body[key])

    kwargs: dict[str, Any] = {}
    if "account_id" in body:
        kwargs["account_id"] = str(body["account_id"])
    if "billable_seconds" in body:  # present and null: remove it
        value = body["billable_seconds"]
        kwargs["billable_seconds"] = None if value is None else int(value)
    if body.get("trials_in_progress") is not None:
        kwargs["trials_in_progress"] = int(body["trials_in_progress"])
    return set_state(
        str(body["kind"]),
        str(body["name"]),
        region=str(body.get("region", "us-east-1")),
        status=None if body.get("status") is None else str(body["status"]),
        started_at=None if body.get("started_at") is None else str(body["started_at"]),
        created_at=None if body.get("created_at") is None else str(body["created_at"]),
        ended_at=None if body.get("ended_at") is None else str(body["ended_at"]),
        started_seconds_ago=number("started_seconds_ago"),
        last_activity_seconds_ago=number("last_activity_seconds_ago"),
        **kwargs,
    )


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

    def prices(self) -> list[dict[str, Any]]:
        return [summarize(p) for p in catalog.products()]

    def add_price(
        self, region: str, component: str, instance_type: str, usd_per_hour: float
    ) -> dict[str, Any]:
        return summarize(catalog.put(region, component, instance_type, usd_per_hour))

    def remove_price(self, region: str, component: str, instance_type: str) -> bool:
        return catalog.remove(region, component, instance_type)

    def set_price_page_size(self, size: int | None) -> None:
        catalog.set_page_size(size)

    def set_state(self, kind: str, name: str, **kwargs: Any) -> dict[str, Any]:
        return set_state(kind, name, **kwargs)

    def set_savings_plan_recommendation(
        self, figures: dict[str, Any] | None, savings_plans_type: str = DEFAULT_TYPE
    ) -> dict[str, Any] | None:
        """What GetSavingsPlansPurchaseRecommendation answers (see the package's function)."""
        return recommendations.set(figures, savings_plans_type)

    def seed_training_jobs(self, count: int, **kwargs: Any) -> list[str]:
        """`count` in-progress training jobs at once (see `state.seed_training_jobs`)."""
        return seed_training_jobs(count, **kwargs)


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

    def prices(self) -> list[dict[str, Any]]:
        """Every catalog product as a flat row (sku, regionCode, component, unit, usd, ...)."""
        return list(self._call("GET", "prices")["products"])

    def add_price(
        self, region: str, component: str, instance_type: str, usd_per_hour: float
    ) -> dict[str, Any]:
        body = {
            "region": region,
            "component": component,
            "instance_type": instance_type,
            "usd_per_hour": usd_per_hour,
        }
        return dict(self._call("POST", "prices", body)["product"])

    def remove_price(self, region: str, component: str, instance_type: str) -> bool:
        body = {"region": region, "component": component, "instance_type": instance_type}
        return bool(self._call("DELETE", "prices", body)["removed"])

    def set_price_page_size(self, size: int | None) -> None:
        self._call("POST", "price-page-size", {"size": size})

    def set_state(self, kind: str, name: str, **kwargs: Any) -> dict[str, Any]:
        """`set_state` on the server; `started_at` may be a datetime. Leaving
        `billable_seconds` out keeps it; passing None removes it."""
        body: dict[str, Any] = {"kind": kind, "name": name}
        for key, value in kwargs.items():
            if value is UNSET:
                continue
            body[key] = value.isoformat() if isinstance(value, datetime) else value
        return dict(self._call("POST", "state", body))

    def seed_training_jobs(self, count: int, **kwargs: Any) -> int:
        """`count` in-progress training jobs at once; returns how many were created."""
        return int(self._call("POST", "training-jobs", {"count": count, **kwargs})["created"])

    def set_savings_plan_recommendation(
        self, figures: dict[str, Any] | None, savings_plans_type: str = DEFAULT_TYPE
    ) -> dict[str, Any] | None:
        """What Cost Explorer's GetSavingsPlansPurchaseRecommendation answers for
        `savings_plans_type`: one flat dict of the API's summary and detail field names
        (numbers or strings), or None for nothing to recommend. Returns the stored
        {"summary", "details"} (None for None)."""
        body = {"recommendation": figures, "savings_plans_type": savings_plans_type}
        stored = self._call("POST", "savings-plan-recommendation", body)["recommendation"]
        return None if stored is None else dict(stored)

    def savings_plan_recommendations(self) -> dict[str, dict[str, Any]]:
        """Every recommendation set, by Savings Plans type."""
        return dict(self._call("GET", "savings-plan-recommendation")["recommendations"])


# --------------------------------------------------------------------------- demo seed


def _session(region: str) -> boto3.session.Session:
    # Dummy credentials unless the caller set some; never written to os.environ.
    return boto3.session.Session(
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        aws_session_token=os.environ.get("AWS_SESSION_TOKEN"),
        region_name=region,
    )


#: The demo's second user, whose job shows only when the scope is the whole account.
DEMO_OTHER_USER = "other-user"
DEMO_OTHER_SPACE = "other-space"
DEMO_IDLE_SPACE = "demo-space-2"

USER_PROFILE_TAG = "sagemaker:user-profile-arn"
SPACE_TAG = "sagemaker:space-arn"
DOMAIN_TAG = "sagemaker:domain-arn"
#: The cost-allocation tag every demo resource carries (but demo-untagged-train).
DEMO_PROJECT_TAG = {"Key": "project", "Value": "smcost-demo"}


def owner_tags(user_arn: str, space_arn: str, domain_arn: str) -> list[dict[str, str]]:
    """The tags Studio puts on what a user launches from a space."""
    return [
        {"Key": USER_PROFILE_TAG, "Value": user_arn},
        {"Key": SPACE_TAG, "Value": space_arn},
        {"Key": DOMAIN_TAG, "Value": domain_arn},
    ]


def demo_tags(user_arn: str, space_arn: str, domain_arn: str) -> list[dict[str, str]]:
    """A demo resource's tags: its owner's and the project's."""
    return [*owner_tags(user_arn, space_arn, domain_arn), dict(DEMO_PROJECT_TAG)]


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
    resources: bool = True,
    savings: bool = False,
) -> dict[str, Any]:
    """Create through boto3 a Studio domain, a user profile, a private space owned by it
    and an InService `app_type` app in that space on `instance_type`.

    By default (`resources=True`), also what costs money around it (see `_seed_resources`):
    two training jobs, a processing job, an endpoint and an idle Code Editor app of the same
    user, and a training job of another user. `resources=False` seeds the demo app alone.

    `savings=True` also seeds what the savings suggestions feed on (see
    `demo_savings.seed_savings`): recent short and spot jobs, idle and low-traffic endpoints
    with CloudWatch metrics, an untagged job, a job reading another region's bucket, the
    domain's Docker access off and a Savings Plans recommendation. Its running resources
    join "resources"; the dict says what it seeded under "savings" (absent without).

    Returns the names, ids and ARNs, under "metadata" the content of the matching
    SageMaker metadata file (/opt/ml/metadata/resource-metadata.json), and under
    "resources" one dict per seeded running resource ([] without `resources`).
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
            "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 20}},
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
    seeded: dict[str, Any] = {
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
        "resources": [],
    }
    if resources:
        seeded["resources"] = _seed_resources(sm, seeded)
    if savings:
        from .demo_savings import seed_savings  # it uses this module's seed helpers

        seeded["savings"] = seed_savings(session, seeded)
    return seeded


def _seed_resources(sm: Any, seeded: dict[str, Any]) -> list[dict[str, Any]]:
    """The demo's running resources, started relative to now, each tagged as Studio tags
    what a user launches from a space (user profile, space and domain ARNs).

    demo-user: training job demo-finetune-spot (ml.g5.2xlarge x1, managed spot, started
    40 min ago, billed 840 s so far), training job demo-resnet-train (ml.p3.2xlarge x1,
    on-demand, 25 min ago), processing job demo-features-processing (ml.m5.xlarge x1,
    15 min ago), endpoint demo-endpoint (variant AllTraffic, 2 x ml.m5.xlarge, created 2 h
    ago) and a Code Editor app in space demo-space-2 (ml.t3.medium, created 3 h ago, last
    used 2 h 50 min ago). other-user: training job other-user-xgboost (ml.m5.large x2,
    on-demand, 10 min ago) from space other-space.
    """
    region, account_id = seeded["region"], seeded["account_id"]
    domain_id, domain_arn = seeded["domain_id"], seeded["domain_arn"]
    user, role_arn = seeded["user_profile_name"], seeded["execution_role_arn"]
    control = EmulatorClient(seeded["endpoint_url"])
    now = datetime.now(timezone.utc).replace(microsecond=0)
    bucket = f"s3://sagemaker-{region}-{account_id}/demo"
    out: list[dict[str, Any]] = []

    def tags(user_arn: str, space_arn: str) -> list[dict[str, str]]:
        return demo_tags(user_arn, space_arn, domain_arn)

    def started(kind: str, name: str, seconds_ago: int, **state: Any) -> str:
        at = now - timedelta(seconds=seconds_ago)
        control.set_state(kind, name, region=region, account_id=account_id, started_at=at, **state)
        return at.isoformat()

    def record(kind: str, name: str, arn: str, **fields: Any) -> None:
        entry = {
            "kind": kind,
            "name": name,
            "arn": arn,
            "spot": None,
            "billable_seconds": None,
            "user_profile_name": user,
            "space_name": seeded["space_name"],
        }
        entry.update(fields)
        out.append(entry)

    mine = tags(seeded["user_profile_arn"], seeded["space_arn"])

    # Another space of the same user, with a Code Editor app left running.
    idle_space_arn = sm.create_space(
        DomainId=domain_id,
        SpaceName=DEMO_IDLE_SPACE,
        SpaceSettings={"AppType": "CodeEditor"},
        OwnershipSettings={"OwnerUserProfileName": user},
        SpaceSharingSettings={"SharingType": "Private"},
    )["SpaceArn"]
    idle_arn = sm.create_app(
        DomainId=domain_id,
        SpaceName=DEMO_IDLE_SPACE,
        AppType="CodeEditor",
        AppName="default",
        ResourceSpec={"InstanceType": "ml.t3.medium"},
    )["AppArn"]
    idle_name = f"{DEMO_IDLE_SPACE}/CodeEditor/default"
    at = started("studio-app", idle_name, 3 * 3600, last_activity_seconds_ago=3 * 3600 - 600)
    record(
        "studio-app",
        idle_name,
        idle_arn,
        instance_type="ml.t3.medium",
        instance_count=1,
        component="studio-codeeditor",
        started_at=at,
        started_seconds_ago=3 * 3600,
        space_name=DEMO_IDLE_SPACE,
        space_arn=idle_space_arn,
    )

    def training(
        name: str,
        instance_type: str,
        count: int,
        spot: bool,
        seconds_ago: int,
        job_tags: list[dict[str, str]],
        billable: int | None = None,
        owner: str = user,
        space: str = seeded["space_name"],
    ) -> None:
        stop = {"MaxRuntimeInSeconds": 2 * 3600 if spot else 24 * 3600}
        extra: dict[str, Any] = {}
        if spot:
            stop["MaxWaitTimeInSeconds"] = 3 * 3600
            extra["CheckpointConfig"] = {"S3Uri": f"{bucket}/checkpoints/{name}"}
        arn = sm.create_training_job(
            TrainingJobName=name,
            AlgorithmSpecification={
                "TrainingImage": f"763104351884.dkr.ecr.{region}.amazonaws.com/"
                "pytorch-training:2.3.0-gpu-py311",
                "TrainingInputMode": "File",
            },
            RoleArn=role_arn,
            InputDataConfig=[
                {
                    "ChannelName": "train",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": f"{bucket}/data/{name}",
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                }
            ],
            OutputDataConfig={"S3OutputPath": f"{bucket}/output"},
            ResourceConfig={
                "InstanceType": instance_type,
                "InstanceCount": count,
                "VolumeSizeInGB": 50,
            },
            StoppingCondition=stop,
            EnableManagedSpotTraining=spot,
            Tags=job_tags,
            **extra,
        )["TrainingJobArn"]
        state: dict[str, Any] = {} if billable is None else {"billable_seconds": billable}
        at = started("training-job", name, seconds_ago, **state)
        record(
            "training-job",
            name,
            arn,
            instance_type=instance_type,
            instance_count=count,
            component="training",
            spot=spot,
            started_at=at,
            started_seconds_ago=seconds_ago,
            billable_seconds=billable,
            max_runtime_seconds=stop["MaxRuntimeInSeconds"],
            user_profile_name=owner,
            space_name=space,
        )

    training("demo-finetune-spot", "ml.g5.2xlarge", 1, True, 40 * 60, mine, billable=840)
    training("demo-resnet-train", "ml.p3.2xlarge", 1, False, 25 * 60, mine)

    processing = "demo-features-processing"
    arn = sm.create_processing_job(
        ProcessingJobName=processing,
        ProcessingResources={
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 30,
            }
        },
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        AppSpecification={
            "ImageUri": f"683313688378.dkr.ecr.{region}.amazonaws.com/"
            "sagemaker-scikit-learn:1.2-1-cpu-py3",
            "ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/features.py"],
        },
        RoleArn=role_arn,
        Tags=mine,
    )["ProcessingJobArn"]
    at = started("processing-job", processing, 15 * 60)
    record(
        "processing-job",
        processing,
        arn,
        instance_type="ml.m5.xlarge",
        instance_count=1,
        component="processing",
        started_at=at,
        started_seconds_ago=15 * 60,
        max_runtime_seconds=3600,
    )

    sm.create_model(
        ModelName="demo-model",
        ExecutionRoleArn=role_arn,
        PrimaryContainer={
            "Image": f"763104351884.dkr.ecr.{region}.amazonaws.com/"
            "pytorch-inference:2.3.0-cpu-py311",
            "ModelDataUrl": f"{bucket}/output/demo-resnet/output/model.tar.gz",
        },
        Tags=mine,
    )
    sm.create_endpoint_config(
        EndpointConfigName="demo-endpoint-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "demo-model",
                "InitialInstanceCount": 2,
                "InstanceType": "ml.m5.xlarge",
                "InitialVariantWeight": 1.0,
            }
        ],
        Tags=mine,
    )
    arn = sm.create_endpoint(
        EndpointName="demo-endpoint", EndpointConfigName="demo-endpoint-config", Tags=mine
    )["EndpointArn"]
    at = started("endpoint", "demo-endpoint", 2 * 3600)
    record(
        "endpoint",
        "demo-endpoint",
        arn,
        instance_type="ml.m5.xlarge",
        instance_count=2,
        component="hosting",
        started_at=at,
        started_seconds_ago=2 * 3600,
        variant="AllTraffic",
    )

    # Someone else in the same domain: listed only when the scope is the account.
    other_arn = sm.create_user_profile(
        DomainId=domain_id,
        UserProfileName=DEMO_OTHER_USER,
        UserSettings={"ExecutionRole": role_arn},
    )["UserProfileArn"]
    other_space_arn = sm.create_space(
        DomainId=domain_id,
        SpaceName=DEMO_OTHER_SPACE,
        SpaceSettings={"AppType": "JupyterLab"},
        OwnershipSettings={"OwnerUserProfileName": DEMO_OTHER_USER},
        SpaceSharingSettings={"SharingType": "Private"},
    )["SpaceArn"]
    training(
        "other-user-xgboost",
        "ml.m5.large",
        2,
        False,
        10 * 60,
        tags(other_arn, other_space_arn),
        owner=DEMO_OTHER_USER,
        space=DEMO_OTHER_SPACE,
    )
    return out


def seed_fleet(
    endpoint_url: str,
    apps: int,
    *,
    profiles: int = 200,
    region: str = "us-east-1",
    domain_name: str = "fleet",
    idle_share: float = 0.3,
    workers: int = 16,
) -> dict[str, Any]:
    """A domain of `profiles` user profiles and `apps` running apps (JupyterLab and Code
    Editor, two per private space, spaces round-robin over the profiles) with varied
    activity: about `idle_share` of them last used 3 to 27 hours ago, the others within the
    last hour. For the audit's tests and benchmark. Returns the domain id and counts."""
    from concurrent.futures import ThreadPoolExecutor

    session = _session(region)
    sm = session.client("sagemaker", endpoint_url=endpoint_url)
    account_id = session.client("sts", endpoint_url=endpoint_url).get_caller_identity()["Account"]
    role = f"arn:aws:iam::{account_id}:role/service-role/AmazonSageMaker-ExecutionRole-fleet"
    domain_id = sm.create_domain(
        DomainName=domain_name,
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": role},
        SubnetIds=["subnet-0fleet"],
        VpcId="vpc-0fleet",
    )["DomainArn"].rsplit("/", 1)[-1]
    names = [f"user-{i:04d}" for i in range(profiles)]
    spaces = [(f"space-{i:04d}", names[i % profiles]) for i in range((apps + 1) // 2)]
    app_types = ("JupyterLab", "CodeEditor")
    instances = ("ml.t3.medium", "ml.m5.xlarge", "ml.g5.xlarge")

    def profile(name: str) -> None:
        sm.create_user_profile(DomainId=domain_id, UserProfileName=name)

    def space(entry: tuple[str, str]) -> None:
        name, owner = entry
        sm.create_space(
            DomainId=domain_id,
            SpaceName=name,
            OwnershipSettings={"OwnerUserProfileName": owner},
            SpaceSharingSettings={"SharingType": "Private"},
        )

    def app(index: int) -> tuple[str, float]:
        name, _ = spaces[index // 2]
        app_type = app_types[index % 2]
        sm.create_app(
            DomainId=domain_id,
            SpaceName=name,
            AppType=app_type,
            AppName="default",
            ResourceSpec={"InstanceType": instances[index % len(instances)]},
        )
        idle = (index * 7919 % 1000) / 1000 < idle_share  # spread, but the same every run
        ago = 3600 * (3 + index % 25) if idle else 60 * (index % 55 + 1)
        return f"{name}/{app_type}/default", float(ago)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(profile, names))
        list(pool.map(space, spaces))
        created = list(pool.map(app, range(apps)))
    for name, ago in created:
        set_state(
            "studio-app",
            name,
            region=region,
            account_id=account_id,
            started_seconds_ago=max(ago, 3 * 3600) + 3600,
            last_activity_seconds_ago=ago,
        )
    return {
        "domain_id": domain_id,
        "apps": apps,
        "profiles": profiles,
        "spaces": len(spaces),
        "idle": sum(1 for _, ago in created if ago >= 3 * 3600),
    }
