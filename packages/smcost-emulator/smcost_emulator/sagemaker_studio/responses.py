"""HTTP side of the Studio calls, in moto's response style.

`StudioResponse` subclasses moto's `SageMakerResponse`, so moto's own SageMaker actions
(CreateDomain, CreateEndpoint, ...) keep working, while the Studio calls, the jobs (see
`jobs.py`) and the tag calls (moto's fail with a 500 on an unknown ARN or an ARN with
several slashes, such as a space's or an app's) are ours; `urls.register()` points moto's
SageMaker URL at it. Both the in-process `mock_aws` and moto's server resolve handlers from
`moto.sagemaker.urls`, so this one registration serves both (the server reads it when it
builds its SageMaker app, on the first SageMaker request, so register before that).

Every SageMaker call goes through `ControlledResponse.call_action`: the call log, injected
delays and faults, then moto's dispatch to the snake_case method.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from ..control import Fault
from ..controlled import ControlledResponse
from ..moto_api import (
    TYPE_RESPONSE,
    ActionResult,
    EmptyResult,
    InvalidToken,
    SageMakerResponse,
    ValidationError,
    camelcase_to_underscores,
    format_enum_error,
    get_service_model,
    invalid_token_text,
    resource_from_arn,
)
from . import search as searching
from .jobs import JOB_KINDS, JobsBackend, jobs_backends
from .models import AppRef, DomainMember, DomainMembers, StudioBackend, studio_backends

# The actions this module implements (moto's own are validated by moto, if at all).
STUDIO_ACTIONS = frozenset(
    {
        "CreateApp",
        "DescribeApp",
        "ListApps",
        "DeleteApp",
        "CreateSpace",
        "DescribeSpace",
        "ListSpaces",
        "CreateUserProfile",
        "DescribeUserProfile",
        "ListUserProfiles",
        "CreateStudioLifecycleConfig",
        "DescribeStudioLifecycleConfig",
        "ListStudioLifecycleConfigs",
        "DeleteStudioLifecycleConfig",
        "UpdateDomain",
        "UpdateUserProfile",
        "UpdateSpace",
        "UpdateNotebookInstance",
        "DescribeNotebookInstance",
    }
)

# Jobs that stay InProgress (moto completes them at once; see jobs.py).
JOB_ACTIONS = frozenset(
    {f"{verb}{k.noun}" for k in JOB_KINDS.values() for verb in ("Create", "Describe", "Stop")}
    | {f"List{k.noun}s" for k in JOB_KINDS.values()}
)

TAG_ACTIONS = frozenset({"AddTags", "ListTags", "DeleteTags"})

# Search of training jobs, tuning jobs and endpoints (search.py); moto's for the rest.
SEARCH_ACTIONS = frozenset({"Search"})

#: Every SageMaker action this module answers instead of moto.
EMULATED_ACTIONS = STUDIO_ACTIONS | JOB_ACTIONS | TAG_ACTIONS | SEARCH_ACTIONS


#: The request members that name an app (`AppRef`'s fields).
_APP_REF = ("DomainId", "SpaceName", "UserProfileName", "AppType", "AppName")


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _without_empty_structures(result: ActionResult) -> ActionResult:
    """moto answers an optional structure the request left out as `{}` (a model's
    VpcConfig, an endpoint config's DataCaptureConfig); AWS leaves it out. The SageMaker
    Python SDK's shapes (sagemaker-core, pydantic) refuse an empty VpcConfig, which lacks
    its required members, so ModelBuilder.build() failed on DescribeModel."""
    body = result.result
    if not isinstance(body, dict):
        return result
    return ActionResult({key: value for key, value in body.items() if value != {}})


class StudioResponse(ControlledResponse, SageMakerResponse):
    controlled_service = "sagemaker"

    @property
    def studio_backend(self) -> StudioBackend:
        return studio_backends[self.current_account][self.region]

    @property
    def jobs_backend(self) -> JobsBackend:
        return jobs_backends[self.current_account][self.region]

    # ------------------------------------------------------------------ plumbing

    def _fault_response(self, fault: Fault) -> TYPE_RESPONSE:
        # Built by hand rather than through moto's serializer: an injected code need not
        # exist in the SageMaker model (AccessDeniedException doesn't), and the status is
        # the caller's choice. The shape is the same awsJson1.1 error moto emits.
        body = json.dumps({"__type": fault.code, "message": fault.message})
        headers: dict[str, str] = {
            **self.response_headers,
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amzn-Errortype": fault.code,
            "status": str(fault.status),
        }
        headers, body = self._enrich_response(headers, body)
        return fault.status, headers, body

    def _validate(self) -> None:
        """Required members and top-level enums, as AWS validates them server-side."""
        operation = get_service_model("sagemaker").operation_model(self._get_action())
        shape = operation.input_shape
        if shape is None:
            return
        missing = [n for n in shape.required_members if self._get_param(n) in (None, "")]
        if missing:
            details = "; ".join(
                f"Value null at '{_lower_camel(n)}' failed to satisfy constraint: "
                "Member must not be null"
                for n in missing
            )
            raise ValidationError(f"{len(missing)} validation error(s) detected: {details}")
        for name, member in shape.members.items():
            allowed = getattr(member, "enum", None)
            value = self._get_param(name)
            if allowed and value is not None and value not in allowed:
                raise ValidationError(format_enum_error(value, _lower_camel(name), allowed))

    def _backend_args(self, *members: str) -> dict[str, Any]:
        """The request's `members` as a backend method's keyword arguments: their snake_case
        names."""
        return {camelcase_to_underscores(m): self._get_param(m) for m in members}

    def _list(self, method: Callable[..., Any], key: str, *members: str) -> ActionResult:
        """A List* action: validated, the request's `members` (see `_backend_args`) and page
        passed to the paginated backend `method`, each item's summary answered under `key`."""
        self._validate()
        try:
            items, token = method(
                **self._backend_args(*members),
                next_token=self._get_param("NextToken"),
                max_results=self._get_param("MaxResults"),
            )
        except InvalidToken as e:
            raise ValidationError(f"Invalid NextToken: {invalid_token_text(e)}") from e
        return ActionResult({key: [i.summary() for i in items], "NextToken": token})

    def _member(self, members: DomainMembers[Any], name: str) -> DomainMember:
        """The space or user profile a Describe or Update names (its `name` member)."""
        self._validate()
        return members.get(self._get_param("DomainId"), self._get_param(name))

    def _list_members(
        self, members: DomainMembers[Any], key: str, name_filter: str
    ) -> ActionResult:
        """ListSpaces or ListUserProfiles: the same filters but the name's, `name_filter`."""
        method = functools.partial(members.list_members, name_contains=self._get_param(name_filter))
        return self._list(method, key, "DomainIdEquals", "SortBy", "SortOrder")

    def describe_domain(self) -> ActionResult:
        # moto answers an unknown domain with ValidationException; SageMaker says
        # ResourceNotFound, and clients branch on that code.
        self.studio_backend.get_domain(self._get_param("DomainId"))
        return super().describe_domain()

    def delete_domain(self) -> ActionResult:
        self.studio_backend.get_domain(self._get_param("DomainId"))
        return super().delete_domain()

    def update_domain(self) -> ActionResult:
        self._validate()
        arn = self.studio_backend.update_domain(
            **self._backend_args(
                "DomainId",
                "DefaultUserSettings",
                "DefaultSpaceSettings",
                "DomainSettingsForUpdate",
                "SubnetIds",
                "VpcId",
                "AppNetworkAccessType",
                "AppSecurityGroupManagement",
            )
        )
        return ActionResult({"DomainArn": arn})

    # ------------------------------------------------------------------ apps

    def _app_ref(self) -> AppRef:
        self._validate()
        return AppRef(**self._backend_args(*_APP_REF))

    def create_app(self) -> ActionResult:
        ref = self._app_ref()
        args = self._backend_args("ResourceSpec", "Tags")
        return ActionResult({"AppArn": self.studio_backend.create_app(ref, **args).arn})

    def describe_app(self) -> ActionResult:
        return ActionResult(self.studio_backend.describe_app(self._app_ref()).describe())

    def delete_app(self) -> ActionResult:
        self.studio_backend.delete_app(self._app_ref())
        return EmptyResult()

    def list_apps(self) -> ActionResult:
        return self._list(
            self.studio_backend.list_apps,
            "Apps",
            "DomainIdEquals",
            "UserProfileNameEquals",
            "SpaceNameEquals",
            "SortOrder",
        )

    # ------------------------------------------------------------------ spaces

    def create_space(self) -> ActionResult:
        self._validate()
        args = self._backend_args(
            "DomainId",
            "SpaceName",
            "SpaceSettings",
            "OwnershipSettings",
            "SpaceSharingSettings",
            "SpaceDisplayName",
            "Tags",
        )
        return ActionResult({"SpaceArn": self.studio_backend.create_space(**args).arn})

    def describe_space(self) -> ActionResult:
        return ActionResult(self._member(self.studio_backend.spaces, "SpaceName").describe())

    def update_space(self) -> ActionResult:
        space = self._member(self.studio_backend.spaces, "SpaceName")
        return ActionResult({"SpaceArn": space.update(self._get_param("SpaceSettings"))})

    def list_spaces(self) -> ActionResult:
        return self._list_members(self.studio_backend.spaces, "Spaces", "SpaceNameContains")

    # ------------------------------------------------------------------ user profiles

    def create_user_profile(self) -> ActionResult:
        self._validate()
        args = self._backend_args("DomainId", "UserProfileName", "UserSettings", "Tags")
        profile = self.studio_backend.create_user_profile(**args)
        return ActionResult({"UserProfileArn": profile.arn})

    def describe_user_profile(self) -> ActionResult:
        profile = self._member(self.studio_backend.user_profiles, "UserProfileName")
        return ActionResult(profile.describe())

    def update_user_profile(self) -> ActionResult:
        profile = self._member(self.studio_backend.user_profiles, "UserProfileName")
        return ActionResult({"UserProfileArn": profile.update(self._get_param("UserSettings"))})

    def list_user_profiles(self) -> ActionResult:
        return self._list_members(
            self.studio_backend.user_profiles, "UserProfiles", "UserProfileNameContains"
        )

    # ------------------------------------------------------------------ notebook instances

    def update_notebook_instance(self) -> ActionResult:
        # moto has no UpdateNotebookInstance: the lifecycle configuration part of it, which
        # AWS allows only while the instance is stopped.
        instance = self.sagemaker_backend.get_notebook_instance(
            self._get_param("NotebookInstanceName")
        )
        if instance.status not in ("Stopped", "Failed"):
            raise ValidationError(
                f"Status ({instance.status}) not in ([Stopped, Failed]). Unable to transition "
                f"to (Updating) for Notebook Instance ({instance.arn})"
            )
        if self._get_param("DisassociateLifecycleConfig"):
            instance.lifecycle_config_name = None
        elif self._get_param("LifecycleConfigName"):
            instance.lifecycle_config_name = self._get_param("LifecycleConfigName")
        return EmptyResult()

    def describe_notebook_instance(self) -> ActionResult:
        instance = self.sagemaker_backend.get_notebook_instance(
            self._get_param("NotebookInstanceName")
        )
        found = dict(instance.to_dict())
        if instance.lifecycle_config_name:
            found["NotebookInstanceLifecycleConfigName"] = instance.lifecycle_config_name
        else:
            found.pop("NotebookInstanceLifecycleConfigName", None)
        return ActionResult(found)

    # ------------------------------------------------------------------ lifecycle configs

    def create_studio_lifecycle_config(self) -> ActionResult:
        self._validate()
        args = self._backend_args(
            "StudioLifecycleConfigName",
            "StudioLifecycleConfigContent",
            "StudioLifecycleConfigAppType",
            "Tags",
        )
        config = self.studio_backend.create_studio_lifecycle_config(**args)
        return ActionResult({"StudioLifecycleConfigArn": config.arn})

    def describe_studio_lifecycle_config(self) -> ActionResult:
        self._validate()
        args = self._backend_args("StudioLifecycleConfigName")
        return ActionResult(self.studio_backend.describe_studio_lifecycle_config(**args).describe())

    def delete_studio_lifecycle_config(self) -> ActionResult:
        self._validate()
        self.studio_backend.delete_studio_lifecycle_config(
            **self._backend_args("StudioLifecycleConfigName")
        )
        return EmptyResult()

    def list_studio_lifecycle_configs(self) -> ActionResult:
        return self._list(
            self.studio_backend.list_studio_lifecycle_configs,
            "StudioLifecycleConfigs",
            "NameContains",
            "AppTypeEquals",
            "SortBy",
            "SortOrder",
        )

    # ------------------------------------------------------------------ models, endpoints

    def describe_model(self) -> ActionResult:
        return _without_empty_structures(super().describe_model())

    def describe_endpoint_config(self) -> ActionResult:
        return _without_empty_structures(super().describe_endpoint_config())

    def describe_endpoint(self) -> ActionResult:
        return _without_empty_structures(super().describe_endpoint())

    # ------------------------------------------------------------------ jobs

    def _request(self) -> dict[str, Any]:
        params = getattr(self, "params", None)
        return dict(params) if isinstance(params, dict) else {}

    def _create_job(self, kind: str) -> ActionResult:
        self._validate()
        meta = JOB_KINDS[kind]
        request = self._request()
        name = str(request.pop(meta.name_key))
        tags = request.pop("Tags", None)
        job = self.jobs_backend.create_job(kind, name, request, tags)
        return ActionResult({meta.arn_key: job.arn})

    def _describe_job(self, kind: str) -> ActionResult:
        self._validate()
        name = str(self._get_param(JOB_KINDS[kind].name_key))
        return ActionResult(self.jobs_backend.get_job(kind, name).describe())

    def _stop_job(self, kind: str) -> ActionResult:
        self._validate()
        self.jobs_backend.stop_job(kind, str(self._get_param(JOB_KINDS[kind].name_key)))
        return EmptyResult()

    def _list_jobs(self, kind: str) -> ActionResult:
        return self._list(
            functools.partial(self.jobs_backend.list_jobs, kind=kind),
            JOB_KINDS[kind].summaries_key,
            "StatusEquals",
            "NameContains",
            "CreationTimeAfter",
            "CreationTimeBefore",
            "LastModifiedTimeAfter",
            "LastModifiedTimeBefore",
            "SortBy",
            "SortOrder",
        )

    def create_training_job(self) -> ActionResult:
        return self._create_job("training-job")

    def describe_training_job(self) -> ActionResult:
        return self._describe_job("training-job")

    def stop_training_job(self) -> ActionResult:
        return self._stop_job("training-job")

    def list_training_jobs(self) -> ActionResult:
        return self._list_jobs("training-job")

    def create_hyper_parameter_tuning_job(self) -> ActionResult:
        return self._create_job("tuning-job")

    def describe_hyper_parameter_tuning_job(self) -> ActionResult:
        return self._describe_job("tuning-job")

    def stop_hyper_parameter_tuning_job(self) -> ActionResult:
        return self._stop_job("tuning-job")

    def list_hyper_parameter_tuning_jobs(self) -> ActionResult:
        return self._list_jobs("tuning-job")

    def create_processing_job(self) -> ActionResult:
        return self._create_job("processing-job")

    def describe_processing_job(self) -> ActionResult:
        return self._describe_job("processing-job")

    def stop_processing_job(self) -> ActionResult:
        return self._stop_job("processing-job")

    def list_processing_jobs(self) -> ActionResult:
        return self._list_jobs("processing-job")

    def create_transform_job(self) -> ActionResult:
        return self._create_job("transform-job")

    def describe_transform_job(self) -> ActionResult:
        return self._describe_job("transform-job")

    def stop_transform_job(self) -> ActionResult:
        return self._stop_job("transform-job")

    def list_transform_jobs(self) -> ActionResult:
        return self._list_jobs("transform-job")

    # ------------------------------------------------------------------ search

    def search(self) -> ActionResult:
        resource = str(self._get_param("Resource") or "")
        if resource not in searching.SEARCHED:
            return super().search()
        self._validate()
        if resource == "Endpoint":
            described = [
                (dict(e.response_object), e.tags)
                for e in list(self.sagemaker_backend.endpoints.values())
            ]
        else:
            kind = "training-job" if resource == "TrainingJob" else "tuning-job"
            described = [
                (j.describe(), j.tags) for j in list(self.jobs_backend.jobs[kind].values())
            ]
        return ActionResult(
            searching.search(
                resource,
                searching.with_tags(described),
                self._get_param("SearchExpression"),
                sort_by=self._get_param("SortBy"),
                sort_order=self._get_param("SortOrder"),
                next_token=self._get_param("NextToken"),
                max_results=self._get_param("MaxResults"),
            )
        )

    # ------------------------------------------------------------------ tags

    def _taggable(self, arn: str) -> Any:
        """The resource an ARN names: ours first, then moto's (endpoints, models, ...)."""
        found: Any = self.jobs_backend.find_by_arn(arn) or self.studio_backend.find_by_arn(arn)
        if found is None:
            found = resource_from_arn(self.sagemaker_backend, arn)
        if found is None or not hasattr(found, "tags"):
            raise ValidationError(f"Resource {arn} does not exist.")
        if found.tags is None:
            found.tags = []
        return found

    def list_tags(self) -> ActionResult:
        self._validate()
        # At most 50 tags per resource and MaxResults >= 50: always one page.
        tags = self._taggable(str(self._get_param("ResourceArn"))).tags
        return ActionResult({"Tags": [dict(t) for t in tags]})

    def add_tags(self) -> ActionResult:
        self._validate()
        target = self._taggable(str(self._get_param("ResourceArn")))
        new = [dict(t) for t in self._get_param("Tags") or []]
        keys = {t.get("Key") for t in new}
        target.tags = [t for t in target.tags if t.get("Key") not in keys] + new
        return ActionResult({"Tags": new})

    def delete_tags(self) -> ActionResult:
        self._validate()
        target = self._taggable(str(self._get_param("ResourceArn")))
        keys = set(self._get_param("TagKeys") or [])
        target.tags = [t for t in target.tags if t.get("Key") not in keys]
        return EmptyResult()


__all__ = [
    "EMULATED_ACTIONS",
    "JOB_ACTIONS",
    "SEARCH_ACTIONS",
    "STUDIO_ACTIONS",
    "TAG_ACTIONS",
    "StudioResponse",
]
