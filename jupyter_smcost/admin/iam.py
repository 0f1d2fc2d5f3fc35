"""Least-privilege IAM policies for each side: the extension in a user's app, and the admin
who runs `jupyter smcost lcc` and `audit`. The action lists are the calls each side makes;
`tests/admin/test_iam.py` collects those calls from the emulator's log and checks they match."""

from __future__ import annotations

from typing import Any

from ..cost.resources import REQUIRED_ACTIONS
from ..cost.shared_inventory import HEARTBEAT_NAME
from ..suggestions.actions import IAM_ACTIONS
from ..suggestions.collect import REQUIRED_ACTIONS as SUGGESTION_ACTIONS
from .limits import INVENTORY_PREFIX, inventory_uri

PRICE_LIST = ("pricing:GetProducts", "pricing:GetAttributeValues")

#: The extension reads these (idle checker, cost panel, resources, savings suggestions).
USER_READ = sorted(
    {
        *REQUIRED_ACTIONS,
        *SUGGESTION_ACTIONS,
        *PRICE_LIST,
        "sagemaker:DescribeApp",
        "sagemaker:DescribeNotebookInstance",
        "sagemaker:ListApps",
    }
)
#: ... and stops its own app: these are scoped to app / notebook instance ARNs.
USER_STOP = ("sagemaker:DeleteApp", "sagemaker:StopNotebookInstance")
#: Keep running removes the fleet check's warning tag from the user's own app, that key only.
USER_UNTAG = ("sagemaker:DeleteTags",)
FLEET_TAG = "jupyter-smcost:stop-after"
#: What a user may do from a savings suggestion (c.Suggestions.allow_actions); DeleteApp is
#: in USER_STOP. Drop this statement (and turn the trait off) to keep the panel read-only.
USER_ACT = tuple(sorted(set(IAM_ACTIONS.values()) - {"sagemaker:DeleteApp"}))

#: `jupyter smcost lcc install / remove / status` and `audit [--stop-idle]`.
ADMIN = sorted(
    {
        "sagemaker:DescribeDomain",
        "sagemaker:UpdateDomain",
        "sagemaker:DescribeUserProfile",
        "sagemaker:UpdateUserProfile",
        "sagemaker:DescribeSpace",
        "sagemaker:UpdateSpace",
        "sagemaker:ListDomains",
        "sagemaker:ListUserProfiles",
        "sagemaker:ListSpaces",
        "sagemaker:ListApps",
        "sagemaker:DescribeApp",
        "sagemaker:DeleteApp",
        "sagemaker:CreateStudioLifecycleConfig",
        "sagemaker:DeleteStudioLifecycleConfig",  # undoing an install AWS refused half-way
        "sagemaker:ListStudioLifecycleConfigs",
        "sagemaker:ListTags",
        "sagemaker:AddTags",
        "sagemaker:DeleteTags",
        "sagemaker:DescribeNotebookInstance",
        "sagemaker:UpdateNotebookInstance",
        "sagemaker:CreateNotebookInstanceLifecycleConfig",
        "sagemaker:DescribeNotebookInstanceLifecycleConfig",
        "pricing:GetProducts",
        # `audit --budgets --cost-explorer`: the month per user, one request for the account.
        "ce:GetCostAndUsage",
    }
)


#: The fleet check's Lambda function (deploy/fleet-audit.yaml grants exactly these; DeleteApp
#: only in enforce mode).
FLEET = sorted(
    {
        "sagemaker:ListDomains",
        "sagemaker:DescribeDomain",
        "sagemaker:ListApps",
        "sagemaker:DescribeApp",
        "sagemaker:ListSpaces",
        "sagemaker:DescribeUserProfile",
        "sagemaker:DeleteApp",
        "sagemaker:ListTags",
        "sagemaker:AddTags",
        "sagemaker:DeleteTags",
        "pricing:GetProducts",
        "sns:Publish",
    }
)


def fleet_policy(topic_arn: str = "*") -> dict[str, Any]:
    acts = {"sagemaker:DeleteApp", "sagemaker:AddTags", "sagemaker:DeleteTags", "sns:Publish"}
    read = [a for a in FLEET if a not in acts]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadStudio", "Effect": "Allow", "Action": read, "Resource": "*"},
            {"Sid": "Report", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": topic_arn},
            {
                "Sid": "StopIdleApps",
                "Effect": "Allow",
                "Action": ["sagemaker:DeleteApp"],
                "Resource": "arn:aws:sagemaker:*:*:app/*",
            },
            {
                # The grace period's warning tag (jupyter-smcost:stop-after), on apps only.
                "Sid": "WarnIdleApps",
                "Effect": "Allow",
                "Action": ["sagemaker:AddTags", "sagemaker:DeleteTags"],
                "Resource": "arn:aws:sagemaker:*:*:app/*",
                "Condition": {
                    "ForAllValues:StringEquals": {"aws:TagKeys": ["jupyter-smcost:stop-after"]}
                },
            },
        ],
    }


#: The shared inventory's Lambda function reads these (deploy/inventory.yaml grants exactly
#: these, on every resource); it writes its documents with INVENTORY_WRITE under its prefix.
INVENTORY = (
    "sagemaker:Search",
    "sagemaker:ListTrainingJobs",
    "sagemaker:ListProcessingJobs",
    "sagemaker:ListTransformJobs",
    "sagemaker:ListHyperParameterTuningJobs",
    "sagemaker:ListEndpoints",
    "sagemaker:DescribeEndpoint",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:DescribeTrainingJob",
    "sagemaker:DescribeProcessingJob",
    "sagemaker:DescribeTransformJob",
    "sagemaker:DescribeHyperParameterTuningJob",
    "sagemaker:ListTags",
    "sagemaker:ListApps",
    "sagemaker:ListSpaces",
    "sagemaker:ListUserProfiles",
    "sagemaker:ListDomains",
    "sagemaker:DescribeDomain",
    "sagemaker:ListNotebookInstances",
)
INVENTORY_WRITE = ("s3:PutObject", "s3:GetObject")


def inventory_policy(uri: str | None = None) -> dict[str, Any]:
    """The inventory function's policy: the template grants the same on its own bucket;
    without `uri`, on the default prefix of any bucket."""
    bucket, prefix = inventory_uri(uri) if uri else ("*", INVENTORY_PREFIX)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadSageMaker", "Effect": "Allow", "Action": list(INVENTORY),
             "Resource": "*"},
            {"Sid": "WriteDocuments", "Effect": "Allow", "Action": list(INVENTORY_WRITE),
             "Resource": f"arn:aws:s3:::{bucket}/{prefix}*"},
        ],
    }  # fmt: skip


def inventory_read_statement(uri: str) -> dict[str, Any]:
    """What a user's app may read of the inventory at `uri`: its own user profile's document
    (SageMaker sets the session's source identity to the profile's name when the domain's
    ExecutionRoleIdentityConfig is USER_PROFILE_NAME), the shared spaces' documents and
    each domain's heartbeat (when it was last reconciled)."""
    bucket, prefix = inventory_uri(uri)
    return {
        "Sid": "JupyterSmcostInventory",
        "Effect": "Allow",
        "Action": ["s3:GetObject"],
        "Resource": [
            f"arn:aws:s3:::{bucket}/{prefix}*/users/${{aws:SourceIdentity}}.json",
            f"arn:aws:s3:::{bucket}/{prefix}*/shared-spaces/*",
            f"arn:aws:s3:::{bucket}/{prefix}*/{HEARTBEAT_NAME}",
        ],
    }


def s3_object_arn(uri: str) -> str:
    """`s3://bucket/key` as the object's ARN; ValueError for anything else."""
    if not uri.startswith("s3://") or "/" not in uri[5:] or not uri[5:].split("/", 1)[1]:
        raise ValueError(f"{uri!r} is not an s3://bucket/key URI")
    return f"arn:aws:s3:::{uri[5:]}"


def user_policy(
    domain_id: str | None = None,
    space: str | None = None,
    notebook_instance: str | None = None,
    fetched: list[str] | None = None,
    inventory: str | None = None,
) -> dict[str, Any]:
    """The execution role's policy; DeleteApp narrowed to the domain (and space) given.
    `fetched`: the s3:// objects the lifecycle script copies (wheel, prices), which the
    execution role that runs it must be allowed to read; `inventory`: the shared
    inventory's s3://BUCKET/PREFIX/, of which the app reads its own document."""
    app = f"arn:aws:sagemaker:*:*:app/{domain_id or '*'}/{space or '*'}/*"
    instance = f"arn:aws:sagemaker:*:*:notebook-instance/{notebook_instance or '*'}"
    objects = [s3_object_arn(uri) for uri in fetched or [] if uri.startswith("s3://")]
    shared = [inventory_read_statement(inventory)] if inventory else []
    fetch = [
        {
            "Sid": "JupyterSmcostLifecycleFetch",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": sorted(set(objects)),
        }
    ]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "JupyterSmcostRead",
                "Effect": "Allow",
                "Action": USER_READ,
                "Resource": "*",
            },
            {
                "Sid": "JupyterSmcostStopOwnApp",
                "Effect": "Allow",
                "Action": ["sagemaker:DeleteApp"],
                "Resource": app,
            },
            {
                "Sid": "JupyterSmcostKeepRunning",
                "Effect": "Allow",
                "Action": list(USER_UNTAG),
                "Resource": app,
                "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": [FLEET_TAG]}},
            },
            {
                "Sid": "JupyterSmcostStopOwnNotebookInstance",
                "Effect": "Allow",
                "Action": ["sagemaker:StopNotebookInstance"],
                "Resource": instance,
            },
            {
                "Sid": "JupyterSmcostSavingsActions",
                "Effect": "Allow",
                "Action": list(USER_ACT),
                "Resource": [
                    "arn:aws:sagemaker:*:*:training-job/*",
                    "arn:aws:sagemaker:*:*:processing-job/*",
                    "arn:aws:sagemaker:*:*:endpoint/*",
                ],
            },
            *(fetch if objects else []),
            *shared,
        ],
    }


def admin_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "JupyterSmcostAdmin", "Effect": "Allow", "Action": ADMIN, "Resource": "*"}
        ],
    }


def actions(policy: dict[str, Any]) -> set[str]:
    return {a for statement in policy["Statement"] for a in statement["Action"]}
