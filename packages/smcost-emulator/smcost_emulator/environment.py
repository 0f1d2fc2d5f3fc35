"""How a process reaches the emulator: the AWS environment variables, written once.

Everything that points boto3 at the emulator (the pytest plugin, `python -m
smcost_emulator`, the demo, the benchmark, the Galata server config, the replica's launcher)
applies `environ(endpoint_url)` and drops `DROPPED`, so a new emulated service is added in
one place. Stdlib only: importing it imports neither moto nor boto3.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import Any

#: The services jupyter_smcost calls, by the suffix of botocore's per-service endpoint
#: variable (AWS_ENDPOINT_URL_<SERVICE>): all answered on the emulator's one port. The
#: extension calls the first five; `jupyter smcost deploy` CloudFormation and S3, the fleet
#: check's Lambda handler SNS.
SERVICES = ("SAGEMAKER", "PRICING", "CLOUDWATCH", "COST_EXPLORER", "S3", "CLOUDFORMATION", "SNS")
REGION = "us-east-1"
#: Inherited variables that would send a call elsewhere or sign it as someone: a profile,
#: a global endpoint, another region.
DROPPED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION")


def endpoint_variables(endpoint_url: str) -> dict[str, str]:
    """AWS_ENDPOINT_URL_<SERVICE> for every service the emulator answers."""
    return {f"AWS_ENDPOINT_URL_{service}": endpoint_url for service in SERVICES}


def environ(endpoint_url: str) -> dict[str, str]:
    """The variables that send every AWS call of jupyter_smcost (and of boto3 in general)
    to the emulator at `endpoint_url`: its endpoints, one region, dummy credentials, and no
    AWS config or credentials file (the user's are never read)."""
    return {
        **endpoint_variables(endpoint_url),
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def apply(env: MutableMapping[str, str], endpoint_url: str) -> MutableMapping[str, str]:
    """`env` (os.environ, or a copy for a child process) pointed at the emulator: `DROPPED`
    removed, `environ(endpoint_url)` set. Returns `env`."""
    for name in DROPPED:
        env.pop(name, None)
    env.update(environ(endpoint_url))
    return env


def boto3_session(region: str = REGION) -> Any:
    """A boto3 session with dummy credentials unless the caller set some; it writes
    nothing to os.environ."""
    import boto3

    return boto3.session.Session(
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        aws_session_token=os.environ.get("AWS_SESSION_TOKEN"),
        region_name=region,
    )


__all__ = [
    "DROPPED",
    "REGION",
    "SERVICES",
    "apply",
    "boto3_session",
    "endpoint_variables",
    "environ",
]
