"""`jupyter smcost deploy` refusing its input: exit 2, a message, and nothing done in AWS."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from jupyter_smcost.admin.cli import main


def refused_deploy(
    argv: list[str], emulator: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> str:
    """Run `jupyter smcost deploy ARGV` against the emulator; assert it is a usage error
    (exit 2, no traceback) that uploaded nothing and created no stack; returns stderr."""
    for service in ("S3", "CLOUDFORMATION"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", emulator.endpoint_url)
    boto3.client("s3").create_bucket(Bucket="smcost-code")
    try:
        code = main(["deploy", *argv])
    except SystemExit as done:
        code = done.code
    err: str = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert boto3.client("s3").list_objects_v2(Bucket="smcost-code").get("KeyCount") == 0
    stacks = boto3.client("cloudformation").list_stacks()["StackSummaries"]
    assert not [s for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"]
    return err
