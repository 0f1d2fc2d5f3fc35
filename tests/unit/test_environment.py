"""Environment detection from the SageMaker metadata file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jupyter_smcost.environment import Kind, detect, read_metadata, region_from_arn
from jupyter_smcost.idle.actions import resolve_action

SPACE = {
    "AppType": "JupyterLab",
    "DomainId": "d-abc",
    "SpaceName": "my-space",
    "UserProfileName": "",
    "ResourceArn": "arn:aws:sagemaker:eu-west-1:111122223333:app/d-abc/my-space/jupyterlab/default",
    "ResourceName": "default",
}


def test_new_studio_space() -> None:
    env = detect(SPACE)
    assert env.kind is Kind.STUDIO_SPACE
    assert env.region == "eu-west-1"
    assert (env.domain_id, env.space_name, env.app_type, env.app_name) == (
        "d-abc",
        "my-space",
        "JupyterLab",
        "default",
    )
    assert env.user_profile_name is None
    assert resolve_action("auto", env) == "delete-app"


def test_code_editor_space() -> None:
    env = detect({**SPACE, "AppType": "CodeEditor"})
    assert env.kind is Kind.STUDIO_SPACE
    assert env.app_type == "CodeEditor"


def test_studio_classic() -> None:
    env = detect(
        {
            "AppType": "JupyterServer",
            "DomainId": "d-abc",
            "UserProfileName": "alice",
            "ResourceArn": "arn:aws:sagemaker:us-west-2:1:app/d-abc/alice/jupyterserver/default",
            "ResourceName": "default",
        }
    )
    assert env.kind is Kind.STUDIO_CLASSIC
    assert env.user_profile_name == "alice"
    assert env.region == "us-west-2"
    assert resolve_action("auto", env) == "delete-app"


def test_notebook_instance() -> None:
    env = detect(
        {
            "ResourceArn": "arn:aws:sagemaker:ap-south-1:1:notebook-instance/research",
            "ResourceName": "research",
        }
    )
    assert env.kind is Kind.NOTEBOOK_INSTANCE
    assert env.app_name == "research"
    assert env.region == "ap-south-1"
    assert resolve_action("auto", env) == "stop-notebook-instance"


def test_local_mode_uses_configured_region_and_instance() -> None:
    env = detect(
        None, reason="no metadata", local_region="us-east-2", local_instance_type="ml.m5.large"
    )
    assert env.kind is Kind.LOCAL
    assert (env.region, env.instance_type, env.error) == ("us-east-2", "ml.m5.large", "no metadata")
    assert resolve_action("auto", env) == "dry-run"
    assert resolve_action("stop-server", env) == "stop-server"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no SageMaker metadata"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
    ],
)
def test_missing_or_corrupt_metadata_gives_a_reason(
    tmp_path: Path, content: str | None, reason: str
) -> None:
    path = tmp_path / "resource-metadata.json"
    if content is not None:
        path.write_text(content)
    data, why = read_metadata(path)
    assert data is None
    assert why is not None and reason in why
    assert detect(data, reason=why).kind is Kind.LOCAL


def test_unreadable_metadata(tmp_path: Path) -> None:
    data, why = read_metadata(tmp_path)  # a directory cannot be read as a file
    assert data is None and why and "cannot read" in why


def test_unrecognised_metadata_is_local_with_reason(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"AppType": "RStudioServerPro", "ResourceArn": "x"}))
    data, why = read_metadata(path)
    env = detect(data, reason=why)
    assert env.kind is Kind.LOCAL
    assert env.error and "RStudioServerPro" in env.error


@pytest.mark.parametrize(
    ("arn", "region"),
    [
        ("arn:aws:sagemaker:us-east-1:1:app/d/s/jupyterlab/default", "us-east-1"),
        ("arn:aws-cn:sagemaker:cn-north-1:1:notebook-instance/x", "cn-north-1"),
        ("not-an-arn", None),
        ("", None),
        (None, None),
    ],
)
def test_region_from_arn(arn: str | None, region: str | None) -> None:
    assert region_from_arn(arn) == region


@pytest.mark.timeout(20)
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "huge"])
def test_hostile_metadata_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    # A FIFO would block the server's start for ever; /dev/zero would be read without end.
    path = tmp_path / "resource-metadata.json"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.write_bytes(b" " * (2 << 20))
    data, why = read_metadata(path)
    assert data is None and why and "cannot read SageMaker metadata" in why


def test_metadata_through_a_symlink_is_read(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text(json.dumps({"AppType": "JupyterLab"}))
    link = tmp_path / "resource-metadata.json"
    link.symlink_to(real)
    assert read_metadata(link) == ({"AppType": "JupyterLab"}, None)
