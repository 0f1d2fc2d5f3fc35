"""Carries out a suggestion's action once the user confirmed it.

Before acting, AWS is asked again whether the resource still is what the suggestion saw (its
fingerprint, see collect.py): if not, nothing is done and the answer is a conflict (409).
AWS's refusal names the IAM action to add. No tornado import: `ActionError.status` is the
HTTP status the handler answers with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..aws import AwsError
from ..cost.resources import AwsLike
from .collect import app_fingerprint, endpoint_fingerprint, job_fingerprint
from .model import Action, Suggestion

#: The IAM action each AWS action needs (the README's policy lists them).
IAM_ACTIONS = {
    "stop-training-job": "sagemaker:StopTrainingJob",
    "stop-processing-job": "sagemaker:StopProcessingJob",
    "delete-endpoint": "sagemaker:DeleteEndpoint",
    "delete-app": "sagemaker:DeleteApp",
    "add-tags": "sagemaker:AddTags",
}
IDLE_ACTIONS = ("set-idle-budget", "set-idle-timeout")
MAX_TAG_VALUE = 256


class ActionError(Exception):
    def __init__(self, status: int, message: str, iam_action: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.iam_action = iam_action


def tag_values(action: Action, values: Any) -> dict[str, str]:
    """The tag values a user typed for an add-tags action; raises ActionError(400)."""
    if not isinstance(values, Mapping):
        raise ActionError(400, "values must be an object of tag key to value.")
    out = {}
    for key in action.fields:
        value = values.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ActionError(400, f"A value for the tag {key!r} is required.")
        if len(value) > MAX_TAG_VALUE:
            raise ActionError(400, f"The value of {key!r} is longer than {MAX_TAG_VALUE}.")
        out[key] = value.strip()
    return out


class ActionRunner:
    def __init__(
        self,
        aws: AwsLike,
        *,
        update_idle: Callable[[dict[str, Any]], dict[str, Any]],
        idle_fingerprint: Callable[[], str],
        forget: Callable[[str | None], None] = lambda arn: None,
    ) -> None:
        self.aws = aws
        self._update_idle = update_idle
        self._idle_fingerprint = idle_fingerprint
        self._forget = forget

    async def _describe(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            return await self.aws.call("sagemaker", operation, **params)
        except AwsError as err:
            if err.not_found or err.code == "ValidationException":
                raise ActionError(
                    409, "The resource no longer exists; the suggestions will be refreshed."
                ) from None
            raise self._refused(err, f"sagemaker:{err.operation}") from None

    @staticmethod
    def _refused(err: AwsError, iam_action: str | None) -> ActionError:
        if err.access_denied:
            return ActionError(
                502,
                f"AWS refused: no permission for {iam_action}. Add it to the execution role "
                "(policy in README).",
                iam_action,
            )
        return ActionError(502, f"AWS refused: {err}", iam_action)

    def _conflict(self, what: str) -> ActionError:
        return ActionError(
            409,
            f"{what} changed since this suggestion was made; the suggestions will be "
            "refreshed, check the new one.",
        )

    async def _check(self, suggestion: Suggestion, action: Action) -> None:
        """Raise 409 unless AWS (or the idle policy) still shows what the suggestion saw."""
        params = action.params
        if action.id in IDLE_ACTIONS:
            if self._idle_fingerprint() != suggestion.fingerprint:
                raise self._conflict("The idle settings")
            return
        kind = str(params.get("kind") or (suggestion.resource.kind if suggestion.resource else ""))
        if action.id == "stop-training-job" or (action.id == "add-tags" and kind == "training-job"):
            d = await self._describe("describe_training_job", TrainingJobName=params["name"])
            seen = job_fingerprint(d, "TrainingJobStatus")
        elif action.id == "stop-processing-job" or (
            action.id == "add-tags" and kind == "processing-job"
        ):
            d = await self._describe("describe_processing_job", ProcessingJobName=params["name"])
            seen = job_fingerprint(d, "ProcessingJobStatus")
        elif action.id == "delete-endpoint" or (action.id == "add-tags" and kind == "endpoint"):
            d = await self._describe("describe_endpoint", EndpointName=params["name"])
            seen = endpoint_fingerprint(d)
        elif action.id == "delete-app":
            d = await self._describe("describe_app", **_app_params(params))
            seen = app_fingerprint(d)
        else:
            raise ActionError(400, f"No way to check the resource of {action.id}.")
        if seen != suggestion.fingerprint:
            name = suggestion.resource.name if suggestion.resource else "The resource"
            raise self._conflict(name)

    async def run(self, suggestion: Suggestion, action: Action, values: Any = None) -> str:
        """Carry out `action`; returns what was done, in a sentence. Raises ActionError."""
        tags = tag_values(action, values) if action.id == "add-tags" else {}
        await self._check(suggestion, action)
        params = action.params
        if action.id in IDLE_ACTIONS:
            field = "max_idle_usd" if action.id == "set-idle-budget" else "timeout_minutes"
            answer = self._update_idle({field: params[field]})
            return str(answer.get("message") or "Applied.")
        iam = IAM_ACTIONS.get(action.id)
        try:
            if action.id == "stop-training-job":
                await self.aws.call(
                    "sagemaker", "stop_training_job", TrainingJobName=params["name"]
                )
                message = (
                    f"Stopping training job {params['name']}: AWS stops its instances and it "
                    "ends as Stopped (its model artifacts so far are kept)."
                )
            elif action.id == "stop-processing-job":
                await self.aws.call(
                    "sagemaker", "stop_processing_job", ProcessingJobName=params["name"]
                )
                message = f"Stopping processing job {params['name']}."
            elif action.id == "delete-endpoint":
                await self.aws.call("sagemaker", "delete_endpoint", EndpointName=params["name"])
                message = (
                    f"Deleted endpoint {params['name']}. Its endpoint configuration "
                    f"{params['config_name']} is kept: recreate it with "
                    f"create_endpoint(EndpointName={params['name']!r}, "
                    f"EndpointConfigName={params['config_name']!r})."
                )
            elif action.id == "delete-app":
                await self.aws.call("sagemaker", "delete_app", **_app_params(params))
                message = (
                    f"Deleting the {params['app_type']} app {params['app_name']} of "
                    f"{params.get('space_name') or params.get('user_profile_name')}; its "
                    "files stay on the space's volume."
                )
            elif action.id == "add-tags":
                await self.aws.call(
                    "sagemaker",
                    "add_tags",
                    ResourceArn=params["arn"],
                    Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
                )
                shown = ", ".join(f"{k}={v}" for k, v in tags.items())
                message = f"Tagged {params['name']} with {shown}."
            else:
                raise ActionError(400, f"Unknown action {action.id!r}.")
        except AwsError as err:
            raise self._refused(err, iam) from None
        self._forget(
            params.get("arn") or (suggestion.resource.arn if suggestion.resource else None)
        )
        return message


def _app_params(params: Mapping[str, Any]) -> dict[str, Any]:
    out = {
        "DomainId": params["domain_id"],
        "AppType": params["app_type"],
        "AppName": params["app_name"],
    }
    if params.get("space_name"):
        out["SpaceName"] = params["space_name"]
    else:
        out["UserProfileName"] = params["user_profile_name"]
    return out
