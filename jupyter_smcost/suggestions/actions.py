"""Carries out a suggestion's action once the user confirmed it.

Before acting, AWS is asked again whether the resource still is what the suggestion saw (its
fingerprint, see collect.py): if not, nothing is done and the answer is a conflict (409); and
whether its tags still prove it the user's: if not, 403 unless the admin allows actions on
others' resources. The change is sent once; a call that got no answer is followed by describes,
never by a second send. AWS's refusal names the IAM action to add only when one is missing.
No tornado import: `ActionError` is an `ApiError`, answered by routes.py's base handler.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from ..aws import AwsError
from ..cost.inventory import SPACE_TAG, USER_PROFILE_TAG, AwsLike, Identity
from ..errors import ApiError
from .collect import app_fingerprint, endpoint_fingerprint, job_fingerprint
from .model import Action, Suggestion

#: The IAM action each AWS action needs (docs/admins.md's policy lists them).
IAM_ACTIONS = {
    "stop-training-job": "sagemaker:StopTrainingJob",
    "stop-processing-job": "sagemaker:StopProcessingJob",
    "delete-endpoint": "sagemaker:DeleteEndpoint",
    "delete-app": "sagemaker:DeleteApp",
    "add-tags": "sagemaker:AddTags",
}
IDLE_ACTIONS = ("set-idle-budget", "set-idle-timeout")
MAX_TAG_VALUE = 256


class ActionError(ApiError):
    """An action refused or failed; its answer names the IAM action to add, if one is missing."""

    def __init__(
        self,
        status: int,
        message: str,
        iam_action: str | None = None,
        *,
        result: str | None = None,
    ) -> None:
        super().__init__(status, message)
        self.iam_action = iam_action
        #: What the audit log records (default: "refused" below 500, "aws-refused" above).
        self.result = result or ("refused" if status < 500 else "aws-refused")

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "iam_action": self.iam_action}


class ActionAws(AwsLike, Protocol):
    async def call_once(self, service: str, operation: str, **params: Any) -> dict[str, Any]: ...


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


#: Which describe answer names the resource's ARN, and its status field, per action.
_JOB_STATUS = {
    "stop-training-job": ("describe_training_job", "TrainingJobName", "TrainingJobStatus"),
    "stop-processing-job": ("describe_processing_job", "ProcessingJobName", "ProcessingJobStatus"),
}
_STOPPED = ("Stopping", "Stopped")
#: What a tag check reads: only the tags that say whose a resource is.
_OWNER_TAGS = (USER_PROFILE_TAG, SPACE_TAG)
OTHERS_TRAIT = "c.Suggestions.allow_actions_on_others"


class ActionRunner:
    """Runs one confirmed action: checks that the resource is still what the suggestion saw
    and still provably the user's, sends the change once, and on a missing answer asks AWS
    what happened rather than sending it again."""

    def __init__(
        self,
        aws: ActionAws,
        *,
        update_idle: Callable[[dict[str, Any]], dict[str, Any]],
        idle_fingerprint: Callable[[], str],
        forget: Callable[[str | None], None] = lambda arn: None,
        whoami: Callable[[], Awaitable[Identity]] | None = None,
        own_space: Callable[[], str | None] = lambda: None,
        allow_on_others: bool = False,
        confirm_seconds: float = 20.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.aws = aws
        self._update_idle = update_idle
        self._idle_fingerprint = idle_fingerprint
        self._forget = forget
        self._whoami = whoami
        self._own_space = own_space
        self.allow_on_others = allow_on_others
        self.confirm_seconds = confirm_seconds
        self._monotonic = monotonic

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
        """AWS's refusal in words; the IAM action is named only when one is missing."""
        if err.access_denied:
            return ActionError(
                502,
                f"AWS refused: no permission for {iam_action}. Add it to the execution role "
                "(jupyter smcost policy --for user prints the policy).",
                iam_action,
            )
        if err.busy:
            return ActionError(
                503,
                f"AWS is busy, try again in a minute ({err.operation}: {err.code}); nothing "
                "was changed.",
            )
        if err.unanswered:
            return ActionError(504, f"AWS did not answer in time ({err.operation}); try again.")
        return ActionError(502, f"AWS refused: {err}")

    def _conflict(self, what: str) -> ActionError:
        return ActionError(
            409,
            f"{what} changed since this suggestion was made; the suggestions will be "
            "refreshed, check the new one.",
        )

    async def _check(self, suggestion: Suggestion, action: Action) -> None:
        """Raise 409 unless AWS (or the idle policy) still shows what the suggestion saw, and
        403 unless the resource is provably the user's (or the admin allows others')."""
        params = action.params
        if action.id in IDLE_ACTIONS:
            if self._idle_fingerprint() != suggestion.fingerprint:
                raise self._conflict("The idle settings")
            return
        kind = str(params.get("kind") or (suggestion.resource.kind if suggestion.resource else ""))
        arn: str | None = None
        if action.id == "stop-training-job" or (action.id == "add-tags" and kind == "training-job"):
            d = await self._describe("describe_training_job", TrainingJobName=params["name"])
            seen, arn = job_fingerprint(d, "TrainingJobStatus"), d.get("TrainingJobArn")
        elif action.id == "stop-processing-job" or (
            action.id == "add-tags" and kind == "processing-job"
        ):
            d = await self._describe("describe_processing_job", ProcessingJobName=params["name"])
            seen, arn = job_fingerprint(d, "ProcessingJobStatus"), d.get("ProcessingJobArn")
        elif action.id == "delete-endpoint" or (action.id == "add-tags" and kind == "endpoint"):
            d = await self._describe("describe_endpoint", EndpointName=params["name"])
            seen, arn = endpoint_fingerprint(d), d.get("EndpointArn")
        elif action.id == "delete-app":
            d = await self._describe("describe_app", **_app_params(params))
            seen = app_fingerprint(d)
        else:
            raise ActionError(400, f"No way to check the resource of {action.id}.")
        name = suggestion.resource.name if suggestion.resource else "The resource"
        if seen != suggestion.fingerprint:
            raise self._conflict(name)
        if not self.allow_on_others and not await self._provably_mine(
            action, arn or params.get("arn")
        ):
            raise ActionError(
                403,
                f"{name} is not provably yours: its tags name neither your user profile nor "
                "your space, so it may be someone else's. Nothing was done; an administrator "
                f"can allow actions on others' resources with {OTHERS_TRAIT} = True.",
            )

    async def _provably_mine(self, action: Action, arn: str | None) -> bool:
        """Read now, not from memory: tags (or a space's owner) may have changed since the
        listing."""
        if self._whoami is None:
            return False
        try:
            ident = await self._whoami()
        except AwsError as err:
            raise self._refused(err, f"sagemaker:{err.operation}") from None
        if not ident.anchored:
            return False
        if action.id == "delete-app":
            params = action.params
            space = params.get("space_name")
            if not space:
                user = params.get("user_profile_name")
                return bool(ident.user_profile_name) and user == ident.user_profile_name
            if space == self._own_space():
                return True
            if not ident.user_profile_name:
                return False
            d = await self._describe(
                "describe_space", DomainId=params["domain_id"], SpaceName=space
            )
            owner = (d.get("OwnershipSettings") or {}).get("OwnerUserProfileName")
            return bool(owner) and owner == ident.user_profile_name
        if not arn:
            return False
        try:
            answer = await self.aws.call("sagemaker", "list_tags", ResourceArn=arn)
        except AwsError as err:
            raise self._refused(err, "sagemaker:ListTags") from None
        tags = {
            str(t.get("Key")): str(t.get("Value"))
            for t in answer.get("Tags") or []
            if t.get("Key") in _OWNER_TAGS
        }
        return ident.owns(tags)

    async def _send(self, action: Action, tags: dict[str, str]) -> None:
        """The one mutating call of `action`, sent once (never retried: see call_once)."""
        params = action.params
        call = self.aws.call_once
        if action.id == "stop-training-job":
            await call("sagemaker", "stop_training_job", TrainingJobName=params["name"])
        elif action.id == "stop-processing-job":
            await call("sagemaker", "stop_processing_job", ProcessingJobName=params["name"])
        elif action.id == "delete-endpoint":
            await call("sagemaker", "delete_endpoint", EndpointName=params["name"])
        elif action.id == "delete-app":
            await call("sagemaker", "delete_app", **_app_params(params))
        elif action.id == "add-tags":
            await call(
                "sagemaker",
                "add_tags",
                ResourceArn=params["arn"],
                Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            )
        else:
            raise ActionError(400, f"Unknown action {action.id!r}.")

    async def _state(self, action: Action, tags: dict[str, str]) -> tuple[bool, str]:
        """(whether AWS shows `action` carried out, the state it shows) read now."""
        params = action.params
        if action.id in _JOB_STATUS:
            operation, key, field = _JOB_STATUS[action.id]
            d = await self.aws.call("sagemaker", operation, **{key: params["name"]})
            status = str(d.get(field))
            return status in _STOPPED, status
        if action.id == "delete-endpoint":
            try:
                d = await self.aws.call(
                    "sagemaker", "describe_endpoint", EndpointName=params["name"]
                )
            except AwsError as err:
                if err.not_found or err.code == "ValidationException":
                    return True, "deleted"
                raise
            status = str(d.get("EndpointStatus"))
            return status == "Deleting", status
        if action.id == "delete-app":
            d = await self.aws.call("sagemaker", "describe_app", **_app_params(params))
            status = str(d.get("Status"))
            return status in ("Deleting", "Deleted"), status
        answer = await self.aws.call("sagemaker", "list_tags", ResourceArn=params["arn"])
        have = {str(t.get("Key")): str(t.get("Value")) for t in answer.get("Tags") or []}
        done = all(have.get(k) == v for k, v in tags.items())
        return done, "tagged" if done else "not tagged"

    async def _confirm(self, action: Action, tags: dict[str, str], sent: AwsError) -> str:
        """After a call that got no answer: ask AWS what happened, for a while (the call may
        still be on its way), instead of sending it again. Returns the state AWS shows if
        the action took effect; raises ActionError(504) if it did not, or is unknown."""
        name = action.params.get("name") or action.params.get("app_name") or "the resource"
        deadline = self._monotonic() + self.confirm_seconds
        step = max(0.2, self.confirm_seconds / 10)
        state: str | None = None
        while True:
            try:
                done, state = await self._state(action, tags)
            except AwsError:
                done = False
            if done:
                return state or "done"
            if self._monotonic() >= deadline:
                break
            await asyncio.sleep(step)
        if state is None:
            raise ActionError(
                504,
                f"AWS did not answer ({sent.operation}), and whether it acted on {name} is "
                "unknown: check its state in the console before trying again.",
                result="unknown",
            )
        raise ActionError(
            504,
            f"AWS did not confirm {sent.operation} within {self.confirm_seconds:g} s and "
            f"{name} is still {state}: nothing is known to have changed. Refresh, and try "
            "again if it is still there.",
            result="unconfirmed",
        )

    async def run(self, suggestion: Suggestion, action: Action, values: Any = None) -> str:
        """Carry out `action`; returns what was done, in a sentence. Raises ActionError."""
        tags = tag_values(action, values) if action.id == "add-tags" else {}
        await self._check(suggestion, action)
        params = action.params
        if action.id in IDLE_ACTIONS:
            field = "max_idle_usd" if action.id == "set-idle-budget" else "timeout_minutes"
            answer = self._update_idle({field: params[field]})
            return str(answer.get("message") or "Applied.")
        late: str | None = None
        try:
            await self._send(action, tags)
        except AwsError as err:
            if not err.unanswered:
                raise self._refused(err, IAM_ACTIONS.get(action.id)) from None
            late = await self._confirm(action, tags, err)
        self._forget(
            params.get("arn") or (suggestion.resource.arn if suggestion.resource else None)
        )
        message = _done_message(action, tags)
        if late is not None:
            message = f"{message} (AWS answered late; it now shows {late}.)"
        return message


def _done_message(action: Action, tags: Mapping[str, str]) -> str:
    params = action.params
    if action.id == "stop-training-job":
        return (
            f"Stopping training job {params['name']}: AWS stops its instances and it "
            "ends as Stopped (its model artifacts so far are kept)."
        )
    if action.id == "stop-processing-job":
        return f"Stopping processing job {params['name']}."
    if action.id == "delete-endpoint":
        return (
            f"Deleted endpoint {params['name']}. Its endpoint configuration "
            f"{params['config_name']} is kept: recreate it with "
            f"create_endpoint(EndpointName={params['name']!r}, "
            f"EndpointConfigName={params['config_name']!r})."
        )
    if action.id == "delete-app":
        return (
            f"Deleting the {params['app_type']} app {params['app_name']} of "
            f"{params.get('space_name') or params.get('user_profile_name')}; its "
            "files stay on the space's volume."
        )
    shown = ", ".join(f"{k}={v}" for k, v in tags.items())
    return f"Tagged {params['name']} with {shown}."


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
