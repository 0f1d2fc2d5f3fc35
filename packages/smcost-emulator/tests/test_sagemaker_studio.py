"""The local AWS emulator: Studio calls, errors, status transitions, fault injection, delays,
call log, HTTP control routes, demo seed and CLI, all through boto3 over HTTP."""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from smcost_emulator import (
    STUDIO_ACTIONS,
    Emulator,
    EmulatorClient,
    FakeApp,
    add_status_listener,
    call_log,
    clear_call_log,
    clear_faults,
    inject_fault,
    remove_status_listener,
    seed_demo,
    set_delay,
    set_delete_delay,
)


def sm_client(**config: Any) -> Any:
    """A SageMaker client configured only by the fixture's environment."""
    return boto3.client("sagemaker", config=Config(**config) if config else None)


def make_domain(sm: Any, name: str = "d1") -> str:
    arn = sm.create_domain(
        DomainName=name,
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/r"},
        SubnetIds=["subnet-1"],
        VpcId="vpc-1",
    )["DomainArn"]
    return str(arn.rsplit("/", 1)[-1])


def make_space(sm: Any, domain_id: str, space: str = "s1", user: str = "u1") -> None:
    sm.create_user_profile(DomainId=domain_id, UserProfileName=user)
    sm.create_space(
        DomainId=domain_id,
        SpaceName=space,
        SpaceSettings={"AppType": "JupyterLab"},
        OwnershipSettings={"OwnerUserProfileName": user},
        SpaceSharingSettings={"SharingType": "Private"},
    )


def lab_app(domain_id: str, space: str = "s1", name: str = "default") -> dict[str, str]:
    return {"DomainId": domain_id, "SpaceName": space, "AppType": "JupyterLab", "AppName": name}


#: (code, HTTP status) of the errors the emulator answers, as AWS does.
IN_USE = ("ResourceInUse", 400)
NOT_FOUND = ("ResourceNotFound", 400)
INVALID = ("ValidationException", 400)


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def error_from(call: Callable[..., Any], **params: Any) -> tuple[str, int]:
    """The (code, HTTP status) of the ClientError `call(**params)` must fail with."""
    with pytest.raises(ClientError) as exc:
        call(**params)
    return error_of(exc)


def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# --------------------------------------------------------------------------- fixture


def test_fixture_points_boto3_at_the_emulator(emulator: Emulator) -> None:
    assert os.environ["AWS_ENDPOINT_URL_SAGEMAKER"] == emulator.endpoint_url
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    assert emulator.endpoint_url.startswith("http://127.0.0.1:")
    assert sm_client().list_apps()["Apps"] == []
    assert [c.action for c in call_log()] == ["ListApps"]


# --------------------------------------------------------------------------- domains


def test_domain_describe_update_and_unknown(emulator: Emulator) -> None:
    sm = sm_client()
    domain_id = make_domain(sm)
    arn = sm.update_domain(
        DomainId=domain_id,
        DefaultUserSettings={
            "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.m5.large"}}
        },
        DefaultSpaceSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/space"},
        AppNetworkAccessType="VpcOnly",
    )["DomainArn"]
    assert arn == f"arn:aws:sagemaker:us-east-1:123456789012:domain/{domain_id}"
    described = sm.describe_domain(DomainId=domain_id)
    # Merged, not replaced: the ExecutionRole from CreateDomain survives.
    assert described["DefaultUserSettings"] == {
        "ExecutionRole": "arn:aws:iam::123456789012:role/r",
        "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.m5.large"}},
    }
    assert described["DefaultSpaceSettings"]["ExecutionRole"].endswith("role/space")
    assert described["AppNetworkAccessType"] == "VpcOnly"

    for call in (sm.describe_domain, sm.update_domain):
        assert error_from(call, DomainId="d-missing") == NOT_FOUND


# --------------------------------------------------------------------------- user profiles


def test_user_profiles(emulator: Emulator) -> None:
    sm = sm_client()
    domain_id = make_domain(sm)
    arn = sm.create_user_profile(
        DomainId=domain_id,
        UserProfileName="alice",
        UserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/alice"},
    )["UserProfileArn"]
    assert arn == f"arn:aws:sagemaker:us-east-1:123456789012:user-profile/{domain_id}/alice"
    profile = sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice")
    assert profile["Status"] == "InService"
    assert profile["UserProfileArn"] == arn
    assert profile["UserSettings"]["ExecutionRole"].endswith("role/alice")
    assert "CreationTime" in profile

    for name in ("bob", "carol"):
        sm.create_user_profile(DomainId=domain_id, UserProfileName=name)
    other = make_domain(sm, "d2")
    sm.create_user_profile(DomainId=other, UserProfileName="dave")

    listed = sm.list_user_profiles(DomainIdEquals=domain_id)["UserProfiles"]
    assert [p["UserProfileName"] for p in listed] == ["alice", "bob", "carol"]
    assert {p["Status"] for p in listed} == {"InService"}
    page = sm.list_user_profiles(MaxResults=3)
    assert len(page["UserProfiles"]) == 3 and page["NextToken"]
    rest = sm.list_user_profiles(MaxResults=3, NextToken=page["NextToken"])
    assert [p["UserProfileName"] for p in rest["UserProfiles"]] == ["dave"]
    assert "NextToken" not in rest
    contains = sm.list_user_profiles(UserProfileNameContains="ar")["UserProfiles"]
    assert [p["UserProfileName"] for p in contains] == ["carol"]

    assert error_from(sm.create_user_profile, DomainId=domain_id, UserProfileName="alice") == IN_USE
    assert (
        error_from(sm.describe_user_profile, DomainId=domain_id, UserProfileName="nobody")
        == NOT_FOUND
    )
    assert (
        error_from(sm.create_user_profile, DomainId="d-missing", UserProfileName="x") == NOT_FOUND
    )


# --------------------------------------------------------------------------- spaces


def test_spaces(emulator: Emulator) -> None:
    sm = sm_client()
    domain_id = make_domain(sm)
    sm.create_user_profile(DomainId=domain_id, UserProfileName="alice")
    arn = sm.create_space(
        DomainId=domain_id,
        SpaceName="lab",
        SpaceSettings={
            "AppType": "JupyterLab",
            "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.g5.xlarge"}},
        },
        OwnershipSettings={"OwnerUserProfileName": "alice"},
        SpaceSharingSettings={"SharingType": "Private"},
    )["SpaceArn"]
    assert arn == f"arn:aws:sagemaker:us-east-1:123456789012:space/{domain_id}/lab"
    space = sm.describe_space(DomainId=domain_id, SpaceName="lab")
    assert space["Status"] == "InService"
    assert space["SpaceArn"] == arn
    assert space["OwnershipSettings"] == {"OwnerUserProfileName": "alice"}
    assert space["SpaceSettings"]["AppType"] == "JupyterLab"
    assert space["SpaceSettings"]["JupyterLabAppSettings"]["DefaultResourceSpec"] == {
        "InstanceType": "ml.g5.xlarge"
    }

    sm.create_space(DomainId=domain_id, SpaceName="shared", SpaceSettings={"AppType": "CodeEditor"})
    listed = sm.list_spaces(DomainIdEquals=domain_id)["Spaces"]
    assert [s["SpaceName"] for s in listed] == ["lab", "shared"]
    assert listed[0]["OwnershipSettingsSummary"] == {"OwnerUserProfileName": "alice"}
    assert listed[0]["SpaceSettingsSummary"] == {"AppType": "JupyterLab"}
    assert listed[1]["SpaceSettingsSummary"] == {"AppType": "CodeEditor"}
    page = sm.list_spaces(MaxResults=1, SortOrder="Descending")
    assert [s["SpaceName"] for s in page["Spaces"]] == ["shared"]
    rest = sm.list_spaces(MaxResults=1, SortOrder="Descending", NextToken=page["NextToken"])
    assert [s["SpaceName"] for s in rest["Spaces"]] == ["lab"]

    assert error_from(sm.create_space, DomainId=domain_id, SpaceName="lab") == IN_USE
    assert error_from(sm.describe_space, DomainId=domain_id, SpaceName="nope") == NOT_FOUND
    assert error_from(sm.create_space, DomainId="d-missing", SpaceName="x") == NOT_FOUND
    # The owner must exist.
    assert (
        error_from(
            sm.create_space,
            DomainId=domain_id,
            SpaceName="orphan",
            OwnershipSettings={"OwnerUserProfileName": "ghost"},
        )
        == NOT_FOUND
    )


# --------------------------------------------------------------------------- apps


def test_space_app_lifecycle(emulator: Emulator) -> None:
    emulator.set_delete_delay(0.3)
    sm = sm_client()
    domain_id = make_domain(sm)
    make_space(sm, domain_id)
    key = lab_app(domain_id)

    arn = sm.create_app(**key, ResourceSpec={"InstanceType": "ml.g5.xlarge"})["AppArn"]
    assert arn == f"arn:aws:sagemaker:us-east-1:123456789012:app/{domain_id}/s1/jupyterlab/default"
    app = sm.describe_app(**key)
    assert app["Status"] == "InService"
    assert app["AppArn"] == arn
    assert app["ResourceSpec"] == {"InstanceType": "ml.g5.xlarge"}
    assert app["SpaceName"] == "s1" and "UserProfileName" not in app
    assert app["LastUserActivityTimestamp"] == app["CreationTime"]
    listed = sm.list_apps()["Apps"]
    assert listed == [
        {
            "DomainId": domain_id,
            "SpaceName": "s1",
            "AppType": "JupyterLab",
            "AppName": "default",
            "Status": "InService",
            "CreationTime": app["CreationTime"],
            "ResourceSpec": {"InstanceType": "ml.g5.xlarge"},
        }
    ]

    # A live app with the same key.
    assert error_from(sm.create_app, **key) == IN_USE

    sm.delete_app(**key)
    assert sm.describe_app(**key)["Status"] == "Deleting"
    assert sm.list_apps()["Apps"][0]["Status"] == "Deleting"
    assert error_from(sm.delete_app, **key) == IN_USE
    assert error_from(sm.create_app, **key) == IN_USE

    wait_for(lambda: sm.describe_app(**key)["Status"] == "Deleted")
    assert sm.list_apps(SpaceNameEquals="s1")["Apps"][0]["Status"] == "Deleted"
    assert error_from(sm.delete_app, **key) == NOT_FOUND

    # A Deleted app frees its key: the new app replaces it.
    sm.create_app(**key, ResourceSpec={"InstanceType": "ml.t3.medium"})
    again = sm.describe_app(**key)
    assert again["Status"] == "InService"
    assert again["ResourceSpec"]["InstanceType"] == "ml.t3.medium"
    assert len(sm.list_apps()["Apps"]) == 1


def test_default_delete_delay_is_two_seconds(emulator: Emulator) -> None:
    sm = sm_client()
    domain_id = make_domain(sm)
    make_space(sm, domain_id)
    sm.create_app(**lab_app(domain_id))
    sm.delete_app(**lab_app(domain_id))
    app = emulator.apps()[0]
    assert app["Status"] == "Deleting"
    # Read the model's deadline rather than sleeping 2 s.
    from smcost_emulator.sagemaker_studio.models import iter_apps

    (_, _, model), *_ = list(iter_apps())
    due = model._deletion.due
    assert due is not None
    assert 1.0 < due - time.monotonic() <= 2.0


def test_classic_apps_under_user_profile(emulator: Emulator) -> None:
    sm = sm_client()
    domain_id = make_domain(sm)
    sm.create_user_profile(DomainId=domain_id, UserProfileName="alice")
    sm.create_user_profile(DomainId=domain_id, UserProfileName="bob")
    server = sm.create_app(
        DomainId=domain_id, UserProfileName="alice", AppType="JupyterServer", AppName="default"
    )["AppArn"]
    assert server.endswith(f":app/{domain_id}/alice/jupyterserver/default")
    gateway = sm.create_app(
        DomainId=domain_id,
        UserProfileName="alice",
        AppType="KernelGateway",
        AppName="datascience-1-0-ml-t3-medium-1abf3407f667f989be9d86559395",
        ResourceSpec={"InstanceType": "ml.t3.medium"},
    )["AppArn"]
    assert "/alice/kernelgateway/datascience-" in gateway
    sm.create_app(
        DomainId=domain_id, UserProfileName="bob", AppType="JupyterServer", AppName="default"
    )

    described = sm.describe_app(
        DomainId=domain_id, UserProfileName="alice", AppType="JupyterServer", AppName="default"
    )
    assert described["UserProfileName"] == "alice" and "SpaceName" not in described
    # Without a ResourceSpec, JupyterServer runs on the free "system" instance.
    assert described["ResourceSpec"]["InstanceType"] == "system"
    alice = sm.list_apps(DomainIdEquals=domain_id, UserProfileNameEquals="alice")["Apps"]
    assert sorted(a["AppType"] for a in alice) == ["JupyterServer", "KernelGateway"]
    assert {a["UserProfileName"] for a in alice} == {"alice"}

    # JupyterLab lives in spaces only.
    assert (
        error_from(
            sm.create_app,
            DomainId=domain_id,
            UserProfileName="alice",
            AppType="JupyterLab",
            AppName="x",
        )
        == INVALID
    )
    # Neither a space nor a user.
    assert (
        error_from(sm.create_app, DomainId=domain_id, AppType="JupyterServer", AppName="x")
        == INVALID
    )
    assert (
        error_from(
            sm.create_app,
            DomainId=domain_id,
            UserProfileName="ghost",
            AppType="JupyterServer",
            AppName="x",
        )
        == NOT_FOUND
    )


def test_app_instance_type_defaults_to_space_settings(emulator: Emulator) -> None:
    sm = sm_client()
    domain_id = make_domain(sm)
    sm.create_space(
        DomainId=domain_id,
        SpaceName="gpu",
        SpaceSettings={
            "AppType": "JupyterLab",
            "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.g5.2xlarge"}},
        },
    )
    sm.create_app(**lab_app(domain_id, "gpu"))
    assert sm.describe_app(**lab_app(domain_id, "gpu"))["ResourceSpec"] == {
        "InstanceType": "ml.g5.2xlarge"
    }


def test_app_not_found_errors(emulator: Emulator) -> None:
    sm = sm_client()
    domain_id = make_domain(sm)
    make_space(sm, domain_id)
    for call in (sm.describe_app, sm.delete_app):
        assert error_from(call, **lab_app(domain_id, name="nope")) == NOT_FOUND
    for key in (lab_app("d-missing"), lab_app(domain_id, space="no-space")):
        assert error_from(sm.create_app, **key) == NOT_FOUND


def test_list_apps_filters_sorting_and_pagination(emulator: Emulator) -> None:
    sm = sm_client()
    d1, d2 = make_domain(sm, "one"), make_domain(sm, "two")
    make_space(sm, d1, "a", "ua")
    make_space(sm, d1, "b", "ub")
    make_space(sm, d2, "a", "ua")
    created = []
    for domain_id, space in ((d1, "a"), (d1, "b"), (d2, "a")):
        for app_type, name in (("JupyterLab", "default"), ("CodeEditor", "default")):
            sm.create_app(DomainId=domain_id, SpaceName=space, AppType=app_type, AppName=name)
            created.append((domain_id, space, app_type))

    pages, token = [], None
    while True:
        kwargs = {"MaxResults": 4} | ({"NextToken": token} if token else {})
        page = sm.list_apps(**kwargs)
        pages.append(page["Apps"])
        token = page.get("NextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [4, 2]
    assert [(a["DomainId"], a["SpaceName"], a["AppType"]) for p in pages for a in p] == created

    # boto3's paginator drives the same NextToken protocol.
    paginated = sm.get_paginator("list_apps").paginate(PaginationConfig={"PageSize": 5})
    assert sum(len(p["Apps"]) for p in paginated) == 6

    in_d1 = sm.list_apps(DomainIdEquals=d1)["Apps"]
    assert len(in_d1) == 4 and {a["DomainId"] for a in in_d1} == {d1}
    in_a = sm.list_apps(DomainIdEquals=d1, SpaceNameEquals="a")["Apps"]
    assert sorted(a["AppType"] for a in in_a) == ["CodeEditor", "JupyterLab"]
    assert sm.list_apps(SpaceNameEquals="zzz")["Apps"] == []
    newest_first = sm.list_apps(SortBy="CreationTime", SortOrder="Descending")["Apps"]
    assert [(a["DomainId"], a["SpaceName"], a["AppType"]) for a in newest_first] == created[::-1]

    assert error_from(sm.list_apps, NextToken="not-a-token") == INVALID


# --------------------------------------------------------------------------- lifecycle configs


def test_studio_lifecycle_configs(emulator: Emulator) -> None:
    sm = sm_client()
    script = "#!/bin/bash\npip install jupyter-smcost\n"
    content = base64.b64encode(script.encode()).decode()
    arn = sm.create_studio_lifecycle_config(
        StudioLifecycleConfigName="install-smcost",
        StudioLifecycleConfigContent=content,
        StudioLifecycleConfigAppType="JupyterLab",
    )["StudioLifecycleConfigArn"]
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/install-smcost"
    described = sm.describe_studio_lifecycle_config(StudioLifecycleConfigName="install-smcost")
    assert base64.b64decode(described["StudioLifecycleConfigContent"]).decode() == script
    assert described["StudioLifecycleConfigAppType"] == "JupyterLab"
    assert described["StudioLifecycleConfigArn"] == arn
    assert described["CreationTime"] == described["LastModifiedTime"]

    for name, app_type in (("classic", "JupyterServer"), ("kg", "KernelGateway")):
        sm.create_studio_lifecycle_config(
            StudioLifecycleConfigName=name,
            StudioLifecycleConfigContent=content,
            StudioLifecycleConfigAppType=app_type,
        )
    listed = sm.list_studio_lifecycle_configs(SortBy="Name")["StudioLifecycleConfigs"]
    assert [c["StudioLifecycleConfigName"] for c in listed] == ["classic", "install-smcost", "kg"]
    assert "StudioLifecycleConfigContent" not in listed[0]
    only_lab = sm.list_studio_lifecycle_configs(AppTypeEquals="JupyterLab")
    assert [c["StudioLifecycleConfigName"] for c in only_lab["StudioLifecycleConfigs"]] == [
        "install-smcost"
    ]
    page = sm.list_studio_lifecycle_configs(MaxResults=2, SortBy="Name")
    assert len(page["StudioLifecycleConfigs"]) == 2
    rest = sm.list_studio_lifecycle_configs(
        MaxResults=2, SortBy="Name", NextToken=page["NextToken"]
    )
    assert [c["StudioLifecycleConfigName"] for c in rest["StudioLifecycleConfigs"]] == ["kg"]

    assert (
        error_from(
            sm.create_studio_lifecycle_config,
            StudioLifecycleConfigName="kg",
            StudioLifecycleConfigContent=content,
            StudioLifecycleConfigAppType="KernelGateway",
        )
        == IN_USE
    )

    sm.delete_studio_lifecycle_config(StudioLifecycleConfigName="kg")
    for call in (sm.describe_studio_lifecycle_config, sm.delete_studio_lifecycle_config):
        assert error_from(call, StudioLifecycleConfigName="kg") == NOT_FOUND


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("operation", "params", "field"),
    [
        ("create_app", {"DomainId": "d-x", "SpaceName": "s", "AppType": "JupyterLab"}, "appName"),
        ("describe_app", {"DomainId": "d-x", "AppName": "a", "SpaceName": "s"}, "appType"),
        ("delete_app", {"AppType": "JupyterLab", "AppName": "a", "SpaceName": "s"}, "domainId"),
        ("create_space", {"DomainId": "d-x"}, "spaceName"),
        ("describe_space", {"SpaceName": "s"}, "domainId"),
        ("create_user_profile", {"DomainId": "d-x"}, "userProfileName"),
        ("describe_user_profile", {"DomainId": "d-x"}, "userProfileName"),
        ("update_domain", {}, "domainId"),
        ("describe_studio_lifecycle_config", {}, "studioLifecycleConfigName"),
        ("delete_studio_lifecycle_config", {}, "studioLifecycleConfigName"),
        (
            "create_studio_lifecycle_config",
            {"StudioLifecycleConfigName": "n", "StudioLifecycleConfigAppType": "JupyterLab"},
            "studioLifecycleConfigContent",
        ),
    ],
)
def test_missing_required_parameter_is_validation_exception(
    emulator: Emulator, operation: str, params: dict[str, str], field: str
) -> None:
    # boto3 checks required members itself; switch that off to reach the server.
    sm = sm_client(parameter_validation=False)
    with pytest.raises(ClientError) as exc:
        getattr(sm, operation)(**params)
    assert error_of(exc) == INVALID
    assert f"'{field}'" in str(exc.value)


def test_invalid_enum_is_validation_exception(emulator: Emulator) -> None:
    sm = sm_client(parameter_validation=False)
    with pytest.raises(ClientError) as exc:
        sm.create_studio_lifecycle_config(
            StudioLifecycleConfigName="n",
            StudioLifecycleConfigContent="eA==",
            StudioLifecycleConfigAppType="Notebook",
        )
    assert error_of(exc) == INVALID
    assert "studioLifecycleConfigAppType" in str(exc.value)


def test_every_studio_action_is_served(emulator: Emulator) -> None:
    from smcost_emulator.sagemaker_studio.responses import StudioResponse

    def snake(name: str) -> str:
        return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")

    assert all(callable(getattr(StudioResponse, snake(a), None)) for a in STUDIO_ACTIONS)


# --------------------------------------------------------------------------- fault injection


def test_fault_injection_times_is_honoured(emulator: Emulator) -> None:
    sm = sm_client()
    domain_id = make_domain(sm)
    make_space(sm, domain_id)
    sm.create_app(**lab_app(domain_id))
    clear_call_log()

    inject_fault("DeleteApp", times=2)
    for _ in range(2):
        with pytest.raises(ClientError) as exc:
            sm.delete_app(**lab_app(domain_id))
        assert error_of(exc) == ("AccessDeniedException", 400)
        assert "not authorized" in exc.value.response["Error"]["Message"]
    assert sm.describe_app(**lab_app(domain_id))["Status"] == "InService"
    sm.delete_app(**lab_app(domain_id))
    assert sm.describe_app(**lab_app(domain_id))["Status"] == "Deleting"
    assert [c.action for c in call_log()] == [
        "DeleteApp",
        "DeleteApp",
        "DescribeApp",
        "DeleteApp",
        "DescribeApp",
    ]


def test_fault_until_cleared_custom_code_status_and_wildcard(emulator: Emulator) -> None:
    sm = sm_client(retries={"mode": "standard", "total_max_attempts": 1})
    inject_fault("ListApps", code="ThrottlingException", message="Rate exceeded", status=503)
    for _ in range(3):
        with pytest.raises(ClientError) as exc:
            sm.list_apps()
        assert error_of(exc) == ("ThrottlingException", 503)
        assert exc.value.response["Error"]["Message"] == "Rate exceeded"
    # Other actions, including moto's own, are unaffected.
    assert sm.list_domains()["Domains"] == []
    clear_faults()
    assert sm.list_apps()["Apps"] == []

    inject_fault("*", code="InternalFailure", status=500, times=1)
    assert error_from(sm.list_domains) == ("InternalFailure", 500)
    assert sm.list_domains()["Domains"] == []


def test_botocore_retries_consume_fault_times(emulator: Emulator) -> None:
    # A throttled call is retried by botocore (after a backoff of up to 1 s): the retry
    # reaches the emulator too and, with times=1, succeeds.
    sm = sm_client(retries={"mode": "standard", "total_max_attempts": 3})
    inject_fault("ListApps", code="ThrottlingException", status=400, times=1)
    response = sm.list_apps()
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert [c.action for c in call_log()] == ["ListApps"] * 2


def test_fault_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        inject_fault("DeleteApp", times=0)
    with pytest.raises(ValueError):
        set_delay(-1)
    with pytest.raises(ValueError):
        set_delete_delay(-1)


# --------------------------------------------------------------------------- delay, call log


def test_delay_slows_matching_actions_only(emulator: Emulator) -> None:
    sm = sm_client()
    sm.list_apps()  # warm the connection and the server's SageMaker app

    set_delay(0.5, ["ListApps"])
    started = time.monotonic()
    sm.list_apps()
    assert time.monotonic() - started >= 0.5
    started = time.monotonic()
    sm.list_domains()
    assert time.monotonic() - started < 0.4

    set_delay(0.2)  # every action
    started = time.monotonic()
    sm.list_domains()
    assert time.monotonic() - started >= 0.2

    set_delay(0)
    set_delay(0, ["ListApps"])
    started = time.monotonic()
    sm.list_apps()
    assert time.monotonic() - started < 0.4


def test_call_log_records_order_and_params(emulator: Emulator) -> None:
    sm = sm_client()
    before = time.time()
    domain_id = make_domain(sm)
    make_space(sm, domain_id)
    sm.create_app(**lab_app(domain_id), ResourceSpec={"InstanceType": "ml.g5.xlarge"})
    sm.delete_app(**lab_app(domain_id))
    log = call_log()
    assert [c.action for c in log] == [
        "CreateDomain",
        "CreateUserProfile",
        "CreateSpace",
        "CreateApp",
        "DeleteApp",
    ]
    assert all(before <= c.timestamp <= time.time() for c in log)
    assert [c.timestamp for c in log] == sorted(c.timestamp for c in log)
    timestamp, action, params = log[-1]
    assert action == "DeleteApp"
    assert params == lab_app(domain_id)
    assert log[3].params["ResourceSpec"] == {"InstanceType": "ml.g5.xlarge"}
    clear_call_log()
    assert call_log() == []


def test_status_listener_sees_every_transition(emulator: Emulator) -> None:
    emulator.set_delete_delay(0.1)
    seen: list[tuple[str, str | None, str]] = []

    def listener(app: FakeApp, old: str | None, new: str) -> None:
        seen.append((app.app_name, old, new))

    add_status_listener(listener)
    try:
        sm = sm_client()
        domain_id = make_domain(sm)
        make_space(sm, domain_id)
        sm.create_app(**lab_app(domain_id))
        sm.delete_app(**lab_app(domain_id))
        wait_for(lambda: sm.describe_app(**lab_app(domain_id))["Status"] == "Deleted")
        sm.describe_app(**lab_app(domain_id))  # no second Deleted event
    finally:
        remove_status_listener(listener)
    assert seen == [
        ("default", None, "InService"),
        ("default", "InService", "Deleting"),
        ("default", "Deleting", "Deleted"),
    ]


# --------------------------------------------------------------------------- reset


def test_moto_reset_also_clears_studio_state(emulator: Emulator) -> None:
    sm = sm_client()
    domain_id = make_domain(sm)
    make_space(sm, domain_id)
    sm.create_app(**lab_app(domain_id))
    # moto's own reset route resets our backend too (it is a moto BackendDict).
    urllib.request.urlopen(
        urllib.request.Request(f"{emulator.endpoint_url}/moto-api/reset", method="POST")
    ).close()
    assert sm.list_apps()["Apps"] == []
    assert sm.list_spaces()["Spaces"] == []
    assert sm.list_domains()["Domains"] == []


# --------------------------------------------------------------------------- HTTP control


def test_http_control_routes(emulator: Emulator) -> None:
    control = EmulatorClient(emulator.endpoint_url)
    assert control.health()
    sm = sm_client()
    domain_id = make_domain(sm)
    make_space(sm, domain_id)
    sm.create_app(**lab_app(domain_id), ResourceSpec={"InstanceType": "ml.g5.xlarge"})

    control.inject_fault("DeleteApp", code="AccessDeniedException", times=1)
    assert error_from(sm.delete_app, **lab_app(domain_id)) == ("AccessDeniedException", 400)

    control.set_delete_delay(0.1)
    sm.delete_app(**lab_app(domain_id))
    [app] = control.apps()
    assert app["AppName"] == "default" and app["InstanceType"] == "ml.g5.xlarge"
    wait_for(lambda: control.apps()[0]["Status"] == "Deleted")

    calls = control.call_log()
    assert [c["action"] for c in calls][-2:] == ["DeleteApp", "DeleteApp"]
    assert calls[-1]["params"]["SpaceName"] == "s1"
    assert isinstance(calls[-1]["timestamp"], float)
    control.clear_call_log()
    assert control.call_log() == []

    control.inject_fault("ListApps")
    with pytest.raises(ClientError):
        sm.list_apps()
    control.clear_faults()
    sm.list_apps()

    control.set_delay(0.5, ["ListApps"])
    started = time.monotonic()
    sm.list_apps()
    assert time.monotonic() - started >= 0.5

    control.reset()
    started = time.monotonic()
    assert sm.list_apps()["Apps"] == []
    assert time.monotonic() - started < 0.4
    assert control.call_log()[-1]["action"] == "ListApps"

    seeded = control.seed_demo(instance_type="ml.m5.large", resources=False)
    assert seeded["metadata"]["ResourceArn"] == seeded["app_arn"]
    assert [a["InstanceType"] for a in control.apps()] == ["ml.m5.large"]
    with pytest.raises(urllib.error.HTTPError) as http_error:  # already seeded
        control.seed_demo()
    assert http_error.value.code == 409

    with pytest.raises(urllib.error.HTTPError) as http_error:
        control._call("GET", "nope")
    assert http_error.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as http_error:
        control._call("POST", "faults", {"code": "X"})  # no action
    assert http_error.value.code == 400


# --------------------------------------------------------------------------- other servers


@pytest.mark.aws
def test_in_process_mock_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import mock_aws

    for name in ("AWS_ENDPOINT_URL_SAGEMAKER", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        sm = boto3.client("sagemaker", region_name="eu-west-1")
        domain_id = make_domain(sm)
        make_space(sm, domain_id)
        arn = sm.create_app(**lab_app(domain_id))["AppArn"]
        assert arn.split(":")[3] == "eu-west-1"
        inject_fault("DescribeApp", times=1)
        try:
            with pytest.raises(ClientError) as exc:
                sm.describe_app(**lab_app(domain_id))
            assert error_of(exc)[0] == "AccessDeniedException"
            assert sm.describe_app(**lab_app(domain_id))["Status"] == "InService"
        finally:
            clear_faults()
            clear_call_log()


@pytest.mark.aws
def test_plain_threaded_moto_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.server import ThreadedMotoServer

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        sm = boto3.client(
            "sagemaker", region_name="us-east-1", endpoint_url=f"http://{host}:{port}"
        )
        domain_id = make_domain(sm, "plain")
        sm.create_user_profile(DomainId=domain_id, UserProfileName="u")
        inject_fault("ListUserProfiles", times=1)
        with pytest.raises(ClientError) as exc:
            sm.list_user_profiles()
        assert error_of(exc)[0] == "AccessDeniedException"
        assert [p["UserProfileName"] for p in sm.list_user_profiles()["UserProfiles"]] == ["u"]
        assert [c.action for c in call_log()][-2:] == ["ListUserProfiles"] * 2
    finally:
        server.stop()
        from smcost_emulator import reset

        reset()


# --------------------------------------------------------------------------- demo


def test_seed_demo_and_metadata(emulator_demo: dict[str, Any]) -> None:
    seeded = emulator_demo
    metadata = json.loads(Path(seeded["metadata_path"]).read_text())
    assert metadata == seeded["metadata"]
    assert set(metadata) == {
        "AppType",
        "DomainId",
        "SpaceName",
        "UserProfileName",
        "ResourceArn",
        "ResourceName",
        "ExecutionRoleArn",
    }
    assert metadata["AppType"] == "JupyterLab"
    assert metadata["SpaceName"] == "demo-space"
    assert metadata["UserProfileName"] == ""
    assert metadata["ResourceName"] == "default"
    assert metadata["ResourceArn"].split(":")[3] == "us-east-1"
    assert metadata["ResourceArn"] == seeded["app_arn"]
    assert metadata["ExecutionRoleArn"].startswith("arn:aws:iam::123456789012:role/")

    sm = sm_client()
    domain_id = metadata["DomainId"]
    assert domain_id == seeded["domain_id"] == "d-demo"
    app = sm.describe_app(
        DomainId=domain_id, SpaceName="demo-space", AppType="JupyterLab", AppName="default"
    )
    assert app["Status"] == "InService"
    assert app["ResourceSpec"]["InstanceType"] == "ml.g5.xlarge"
    assert app["AppArn"] == metadata["ResourceArn"]
    space = sm.describe_space(DomainId=domain_id, SpaceName="demo-space")
    assert space["OwnershipSettings"]["OwnerUserProfileName"] == seeded["user_profile_name"]
    sm.describe_user_profile(DomainId=domain_id, UserProfileName=seeded["user_profile_name"])
    assert sm.describe_domain(DomainId=domain_id)["Status"] == "InService"


def test_seed_demo_other_region_and_instance(emulator: Emulator) -> None:
    seeded = seed_demo(
        emulator.endpoint_url, region="eu-west-1", instance_type="ml.t3.large", resources=False
    )
    assert seeded["app_arn"].split(":")[3] == "eu-west-1"
    sm = boto3.client("sagemaker", region_name="eu-west-1")
    apps = sm.list_apps()["Apps"]
    assert [a["ResourceSpec"]["InstanceType"] for a in apps] == ["ml.t3.large"]
    # Regions are separate, as on AWS.
    assert boto3.client("sagemaker", region_name="us-east-1").list_apps()["Apps"] == []


def test_cli_seeds_writes_metadata_and_prints_status_changes(
    tmp_path: Path, emulator_cli: Any
) -> None:
    metadata_path = tmp_path / "meta" / "resource-metadata.json"
    args = ("--seed-demo", "--metadata-out", str(metadata_path), "--delete-delay", "0.2")
    with emulator_cli(*args) as cli:
        wait_for(metadata_path.exists, timeout=30)
        metadata = json.loads(metadata_path.read_text())
        sm = cli.client("sagemaker")
        sm.delete_app(
            DomainId=metadata["DomainId"],
            SpaceName=metadata["SpaceName"],
            AppType=metadata["AppType"],
            AppName=metadata["ResourceName"],
        )
        # Nobody describes the app: the CLI itself notices Deleting -> Deleted.
        wait_for(lambda: any("-> Deleted" in line for line in cli.lines), timeout=10)
    output = cli.output()
    assert "emulator: app default (JupyterLab, space demo-space) InService -> Deleting" in output
    assert "emulator: app default (JupyterLab, space demo-space) Deleting -> Deleted" in output
    assert "seeded domain d-demo" in output
    assert "emulator: stopped" in output
