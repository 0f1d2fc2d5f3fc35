"""SageMaker Studio resources that moto lacks (apps, spaces, user profiles, Studio
lifecycle configs), kept in a moto backend so moto's reset clears them too. The controls
they obey (delete delay, status listeners) are `..control`'s. `Deadline` and `sort_listed`
serve the jobs (`jobs.py`) too."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Generic, TypeVar

from ..control import control
from ..moto_api import (
    BackendDict,
    BaseBackend,
    BaseModel,
    Domain,
    ResourceInUseException,
    ResourceNotFound,
    ValidationError,
    arn_formatter,
    paginate,
    sagemaker_backends,
    utcnow,
)

# AppTypes that live in a (new Studio) space; the Classic ones live under a user profile.
SPACE_APP_TYPES = frozenset({"JupyterLab", "CodeEditor"})

# Apps in these states block creating another app with the same key (AWS: ResourceInUse).
_LIVE_APP_STATES = frozenset({"Pending", "InService", "Deleting"})

PAGINATION_MODEL = {
    name: {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": 100,
        "unique_attribute": "arn",
    }
    for name in ("list_apps", "list_members", "list_studio_lifecycle_configs")
}


T = TypeVar("T")


def sort_listed(items: Iterable[T], attr: str, sort_order: str | None) -> list[T]:
    """A List call's items by their `attr`, ascending unless SortOrder is Descending."""
    return sorted(items, key=attrgetter(attr), reverse=sort_order == "Descending")


class Deadline:
    """When a pending status change (an app's Deleting -> Deleted, a job's Stopping ->
    Stopped) is due. It is decided when the status is read, so no timer thread is needed;
    the owner's lock guards it."""

    def __init__(self) -> None:
        #: time.monotonic() at which it is due (None: nothing pending).
        self.due: float | None = None

    def start(self, delay: float) -> None:
        self.due = time.monotonic() + delay

    def clear(self) -> None:
        self.due = None

    def passed(self) -> bool:
        return self.due is not None and time.monotonic() >= self.due


# --------------------------------------------------------------------------- models

AppKey = tuple[str, str, str, str, str]  # domain, "space"|"user", owner name, AppType, AppName


@dataclass(frozen=True)
class AppRef:
    """An app as CreateApp, DescribeApp and DeleteApp name it: in a domain, owned by a space
    or (the Classic AppTypes) a user profile."""

    domain_id: str
    space_name: str | None
    user_profile_name: str | None
    app_type: str
    app_name: str

    def key(self) -> AppKey:
        """Where the backend keeps the app; ValidationError if the request names no owner,
        both, or a user profile for a space's AppType."""
        if bool(self.space_name) == bool(self.user_profile_name):
            raise ValidationError("Exactly one of SpaceName or UserProfileName must be specified.")
        if self.app_type in SPACE_APP_TYPES and not self.space_name:
            raise ValidationError(f"{self.app_type} apps can only be created in a space.")
        if self.space_name:
            return (self.domain_id, "space", self.space_name, self.app_type, self.app_name)
        return (self.domain_id, "user", str(self.user_profile_name), self.app_type, self.app_name)


class FakeApp(BaseModel):
    def __init__(
        self,
        account_id: str,
        region_name: str,
        ref: AppRef,
        resource_spec: dict[str, Any] | None,
        tags: list[dict[str, str]] | None,
    ):
        self.domain_id = ref.domain_id
        self.app_type = ref.app_type
        self.app_name = ref.app_name
        self.space_name = ref.space_name
        self.user_profile_name = ref.user_profile_name
        self.resource_spec = resource_spec or {}
        self.tags = tags or []
        owner = ref.space_name or ref.user_profile_name
        # AWS lowercases the AppType in the ARN (".../jupyterlab/default").
        self.arn = arn_formatter(
            "app",
            f"{ref.domain_id}/{owner}/{ref.app_type.lower()}/{ref.app_name}",
            account_id,
            region_name,
        )
        self.creation_time = utcnow()
        self.last_user_activity = self.creation_time
        self._status = "InService"
        self._lock = threading.Lock()
        self._deletion = Deadline()

    @property
    def owner_label(self) -> str:
        if self.space_name:
            return f"space {self.space_name}"
        return f"user {self.user_profile_name}"

    @property
    def status(self) -> str:
        with self._lock:
            changed = self._status == "Deleting" and self._deletion.passed()
            if changed:
                self._status = "Deleted"
            status = self._status
        if changed:
            control.notify(self, "Deleting", "Deleted")
        return status

    def set_status(self, status: str) -> None:
        """Force a status (tests: e.g. a Failed or Pending app); listeners hear of it."""
        with self._lock:
            old = self._status
            self._status = status
            self._deletion.clear()
        if old != status:
            control.notify(self, old, status)

    def start_deleting(self, delay: float) -> None:
        with self._lock:
            old = self._status
            self._status = "Deleting"
            self._deletion.start(delay)
        control.notify(self, old, "Deleting")

    def summary(self) -> dict[str, Any]:
        return {
            "DomainId": self.domain_id,
            "UserProfileName": self.user_profile_name,
            "SpaceName": self.space_name,
            "AppType": self.app_type,
            "AppName": self.app_name,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "ResourceSpec": self.resource_spec,
        }

    def describe(self) -> dict[str, Any]:
        return {
            "AppArn": self.arn,
            **self.summary(),
            "LastUserActivityTimestamp": self.last_user_activity,
            "LastHealthCheckTimestamp": self.creation_time,
        }


class DomainMember(BaseModel):
    """A user profile or a space: named in its domain, InService from its creation, with
    settings that an update merges into."""

    #: The API's noun (UserProfileArn, UserProfileName, ...) and the ARN's resource type.
    noun: str
    arn_type: str
    #: The member the settings are under in Create/Describe (UserSettings, SpaceSettings).
    settings_key: str

    def __init__(
        self,
        account_id: str,
        region_name: str,
        domain_id: str,
        name: str,
        settings: dict[str, Any] | None,
        tags: list[dict[str, str]] | None,
    ):
        self.domain_id = domain_id
        self.name = name
        self.settings: dict[str, Any] = settings or {}
        self.tags = tags or []
        self.arn = arn_formatter(self.arn_type, f"{domain_id}/{name}", account_id, region_name)
        self.status = "InService"
        self.creation_time = utcnow()
        self.last_modified_time = self.creation_time

    def update(self, settings: dict[str, Any] | None) -> str:
        # As UpdateDomain: the settings given replace those keys, the others stay.
        if settings is not None:
            self.settings = {**self.settings, **settings}
        self.last_modified_time = utcnow()
        return self.arn

    def _listed(self) -> dict[str, Any]:
        """What both Describe and List answer of it."""
        return {
            "DomainId": self.domain_id,
            f"{self.noun}Name": self.name,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
        }

    def describe(self) -> dict[str, Any]:
        return {
            **self._listed(),
            f"{self.noun}Arn": self.arn,
            self.settings_key: self.settings,
        }

    def summary(self) -> dict[str, Any]:
        return self._listed()


class FakeUserProfile(DomainMember):
    noun = "UserProfile"
    arn_type = "user-profile"
    settings_key = "UserSettings"


class FakeSpace(DomainMember):
    noun = "Space"
    arn_type = "space"
    settings_key = "SpaceSettings"

    def __init__(
        self,
        account_id: str,
        region_name: str,
        domain_id: str,
        space_name: str,
        space_settings: dict[str, Any] | None,
        ownership_settings: dict[str, Any] | None,
        space_sharing_settings: dict[str, Any] | None,
        space_display_name: str | None,
        tags: list[dict[str, str]] | None,
    ):
        super().__init__(account_id, region_name, domain_id, space_name, space_settings, tags)
        self.ownership_settings = ownership_settings
        self.space_sharing_settings = space_sharing_settings
        self.space_display_name = space_display_name

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "OwnershipSettings": self.ownership_settings,
            "SpaceSharingSettings": self.space_sharing_settings,
            "SpaceDisplayName": self.space_display_name,
        }

    def summary(self) -> dict[str, Any]:
        return {
            **super().summary(),
            "SpaceSettingsSummary": {
                k: self.settings[k]
                for k in ("AppType", "RemoteAccess", "SpaceStorageSettings")
                if k in self.settings
            },
            "SpaceSharingSettingsSummary": self.space_sharing_settings,
            "OwnershipSettingsSummary": self.ownership_settings,
            "SpaceDisplayName": self.space_display_name,
        }


class FakeStudioLifecycleConfig(BaseModel):
    def __init__(
        self,
        account_id: str,
        region_name: str,
        name: str,
        content: str,
        app_type: str,
        tags: list[dict[str, str]] | None,
    ):
        self.name = name
        self.content = content
        self.app_type = app_type
        self.tags = tags or []
        self.arn = arn_formatter("studio-lifecycle-config", name, account_id, region_name)
        self.creation_time = utcnow()
        self.last_modified_time = self.creation_time

    def summary(self) -> dict[str, Any]:
        return {
            "StudioLifecycleConfigArn": self.arn,
            "StudioLifecycleConfigName": self.name,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "StudioLifecycleConfigAppType": self.app_type,
        }

    def describe(self) -> dict[str, Any]:
        return {**self.summary(), "StudioLifecycleConfigContent": self.content}


# --------------------------------------------------------------------------- backend

M = TypeVar("M", bound=DomainMember)


class DomainMembers(Generic[M]):
    """The user profiles or the spaces of one account and region, by domain and name."""

    def __init__(self, label: str) -> None:
        self.label = label  # how AWS's messages name one: "User profile", "Space"
        self.by_key: dict[tuple[str, str], M] = {}
        # The server is threaded: make check-then-insert atomic.
        self._lock = threading.Lock()

    def get(self, domain_id: str, name: str) -> M:
        found = self.by_key.get((domain_id, name))
        if found is None:
            raise ResourceNotFound(f"{self.label} '{name}' does not exist in domain '{domain_id}'.")
        return found

    def add(self, member: M) -> M:
        with self._lock:
            if (member.domain_id, member.name) in self.by_key:
                raise ResourceInUseException(
                    f"{self.label} '{member.name}' already exists in domain '{member.domain_id}'."
                )
            self.by_key[(member.domain_id, member.name)] = member
        return member

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_members(
        self,
        domain_id_equals: str | None = None,
        name_contains: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> list[M]:
        """ListUserProfiles or ListSpaces: in `domain_id_equals` (None: any domain), sorted by
        CreationTime or, on request, LastModifiedTime."""
        found = [
            m
            for m in list(self.by_key.values())
            if (domain_id_equals is None or m.domain_id == domain_id_equals)
            and (name_contains is None or name_contains in m.name)
        ]
        attr = "last_modified_time" if sort_by == "LastModifiedTime" else "creation_time"
        return sort_listed(found, attr, sort_order)


def _merged(stored: dict[str, Any] | None, given: dict[str, Any]) -> dict[str, Any]:
    """Settings an update gives merged into the stored ones (top level), as AWS merges them:
    sending only JupyterLabAppSettings does not drop the ExecutionRole."""
    return {**(stored or {}), **given}


def _default_instance_type(app_type: str, *settings: dict[str, Any] | None) -> str:
    """What AWS picks without an explicit ResourceSpec: the space's or user's
    `<AppType>AppSettings.DefaultResourceSpec`, then the domain's, then the service default."""
    for found in settings:
        spec = ((found or {}).get(f"{app_type}AppSettings") or {}).get("DefaultResourceSpec")
        if spec and spec.get("InstanceType"):
            return str(spec["InstanceType"])
    return "system" if app_type == "JupyterServer" else "ml.t3.medium"


class StudioBackend(BaseBackend):
    """Studio resources for one account and region, next to moto's SageMaker backend."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.apps: dict[AppKey, FakeApp] = {}
        self.spaces = DomainMembers[FakeSpace]("Space")
        self.user_profiles = DomainMembers[FakeUserProfile]("User profile")
        self.studio_lifecycle_configs: dict[str, FakeStudioLifecycleConfig] = {}
        # The server is threaded: make check-then-insert atomic.
        self._lock = threading.RLock()

    # domains are moto's
    def get_domain(self, domain_id: str) -> Domain:
        domain = sagemaker_backends[self.account_id][self.region_name].domains.get(domain_id)
        if domain is None:
            raise ResourceNotFound(f"Domain '{domain_id}' does not exist.")
        return domain

    def update_domain(
        self,
        domain_id: str,
        default_user_settings: dict[str, Any] | None,
        default_space_settings: dict[str, Any] | None,
        domain_settings_for_update: dict[str, Any] | None,
        subnet_ids: list[str] | None,
        vpc_id: str | None,
        app_network_access_type: str | None,
        app_security_group_management: str | None,
    ) -> str:
        domain = self.get_domain(domain_id)
        if default_user_settings is not None:
            domain.default_user_settings = _merged(
                domain.default_user_settings, default_user_settings
            )
        if default_space_settings is not None:
            domain.default_space_settings = _merged(
                domain.default_space_settings, default_space_settings
            )
        if domain_settings_for_update is not None:
            domain.domain_settings = _merged(domain.domain_settings, domain_settings_for_update)
        if subnet_ids is not None:
            domain.subnet_ids = subnet_ids
        if vpc_id is not None:
            domain.vpc_id = vpc_id
        if app_network_access_type is not None:
            domain.app_network_access_type = app_network_access_type
        if app_security_group_management is not None:
            domain.app_security_group_management = app_security_group_management
        domain.last_modified_time = utcnow()
        return domain.arn

    # user profiles and spaces (DescribeXxx, UpdateXxx, ListXxx: see `DomainMembers`)
    def create_user_profile(
        self,
        domain_id: str,
        user_profile_name: str,
        user_settings: dict[str, Any] | None,
        tags: list[dict[str, str]] | None,
    ) -> FakeUserProfile:
        self.get_domain(domain_id)
        return self.user_profiles.add(
            FakeUserProfile(
                self.account_id, self.region_name, domain_id, user_profile_name, user_settings, tags
            )
        )

    def create_space(
        self,
        domain_id: str,
        space_name: str,
        space_settings: dict[str, Any] | None,
        ownership_settings: dict[str, Any] | None,
        space_sharing_settings: dict[str, Any] | None,
        space_display_name: str | None,
        tags: list[dict[str, str]] | None,
    ) -> FakeSpace:
        self.get_domain(domain_id)
        owner = (ownership_settings or {}).get("OwnerUserProfileName")
        if owner is not None:
            self.user_profiles.get(domain_id, owner)
        return self.spaces.add(
            FakeSpace(
                self.account_id,
                self.region_name,
                domain_id,
                space_name,
                space_settings,
                ownership_settings,
                space_sharing_settings,
                space_display_name,
                tags,
            )
        )

    # apps
    def create_app(
        self, ref: AppRef, resource_spec: dict[str, Any] | None, tags: list[dict[str, str]] | None
    ) -> FakeApp:
        key = ref.key()
        domain = self.get_domain(ref.domain_id)
        owner: DomainMember
        if ref.space_name:
            owner = self.spaces.get(ref.domain_id, ref.space_name)
        else:
            owner = self.user_profiles.get(ref.domain_id, str(ref.user_profile_name))
        resource_spec = dict(resource_spec or {})
        if not resource_spec.get("InstanceType"):
            resource_spec["InstanceType"] = _default_instance_type(
                ref.app_type,
                owner.settings,
                domain.default_space_settings if ref.space_name else domain.default_user_settings,
            )
        with self._lock:
            existing = self.apps.get(key)
            if existing is not None and existing.status in _LIVE_APP_STATES:
                raise ResourceInUseException(
                    f"App '{ref.app_name}' of type {ref.app_type} already exists in "
                    f"{existing.owner_label} with status {existing.status}."
                )
            # A Deleted app's key is free again: the new app replaces it, as on AWS.
            app = FakeApp(self.account_id, self.region_name, ref, resource_spec, tags)
            self.apps[key] = app
        control.notify(app, None, app.status)
        return app

    def describe_app(self, ref: AppRef) -> FakeApp:
        app = self.apps.get(ref.key())
        if app is None:
            raise ResourceNotFound(
                f"App '{ref.app_name}' of type {ref.app_type} does not exist in domain "
                f"'{ref.domain_id}'."
            )
        return app

    def delete_app(self, ref: AppRef) -> None:
        with self._lock:
            app = self.describe_app(ref)
            status = app.status
            if status == "Deleted":
                raise ResourceNotFound(
                    f"App '{ref.app_name}' of type {ref.app_type} is already Deleted."
                )
            if status == "Deleting":
                raise ResourceInUseException(
                    f"App '{ref.app_name}' of type {ref.app_type} is already being deleted."
                )
            app.start_deleting(control.delete_delay)

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_apps(
        self,
        domain_id_equals: str | None = None,
        user_profile_name_equals: str | None = None,
        space_name_equals: str | None = None,
        sort_order: str | None = None,
    ) -> list[FakeApp]:
        # Deleted apps stay listed, as on AWS: callers must look at Status.
        found = [
            a
            for a in self.apps.values()
            if (domain_id_equals is None or a.domain_id == domain_id_equals)
            and (
                user_profile_name_equals is None or a.user_profile_name == user_profile_name_equals
            )
            and (space_name_equals is None or a.space_name == space_name_equals)
        ]
        return sort_listed(found, "creation_time", sort_order)

    def find_by_arn(self, arn: str) -> Any:
        """The app, space, user profile or lifecycle config with this ARN, else None."""
        groups: tuple[Iterable[Any], ...] = (
            self.apps.values(),
            self.spaces.by_key.values(),
            self.user_profiles.by_key.values(),
            self.studio_lifecycle_configs.values(),
        )
        for group in groups:
            for item in list(group):
                if item.arn == arn:
                    return item
        return None

    # Studio lifecycle configs
    def create_studio_lifecycle_config(
        self,
        studio_lifecycle_config_name: str,
        studio_lifecycle_config_content: str,
        studio_lifecycle_config_app_type: str,
        tags: list[dict[str, str]] | None,
    ) -> FakeStudioLifecycleConfig:
        name = studio_lifecycle_config_name
        with self._lock:
            if name in self.studio_lifecycle_configs:
                raise ResourceInUseException(f"Studio lifecycle config '{name}' already exists.")
            config = FakeStudioLifecycleConfig(
                self.account_id,
                self.region_name,
                name,
                studio_lifecycle_config_content,
                studio_lifecycle_config_app_type,
                tags,
            )
            self.studio_lifecycle_configs[name] = config
        return config

    def describe_studio_lifecycle_config(
        self, studio_lifecycle_config_name: str
    ) -> FakeStudioLifecycleConfig:
        config = self.studio_lifecycle_configs.get(studio_lifecycle_config_name)
        if config is None:
            raise ResourceNotFound(
                f"Studio lifecycle config '{studio_lifecycle_config_name}' does not exist."
            )
        return config

    def delete_studio_lifecycle_config(self, studio_lifecycle_config_name: str) -> None:
        with self._lock:
            self.describe_studio_lifecycle_config(studio_lifecycle_config_name)
            del self.studio_lifecycle_configs[studio_lifecycle_config_name]

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_studio_lifecycle_configs(
        self,
        name_contains: str | None = None,
        app_type_equals: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> list[FakeStudioLifecycleConfig]:
        found = [
            c
            for c in self.studio_lifecycle_configs.values()
            if (name_contains is None or name_contains in c.name)
            and (app_type_equals is None or c.app_type == app_type_equals)
        ]
        attr = {"Name": "name", "LastModifiedTime": "last_modified_time"}.get(
            sort_by or "", "creation_time"
        )
        return sort_listed(found, attr, sort_order)


studio_backends = BackendDict(StudioBackend, "sagemaker")


def iter_apps() -> Iterator[tuple[str, str, FakeApp]]:
    """Every app in every account and region: (account, region, app)."""
    for account_id, region_name, backend in studio_backends.iter_backends():
        assert isinstance(backend, StudioBackend)
        for app in list(backend.apps.values()):
            yield account_id, region_name, app


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


__all__ = [
    "SPACE_APP_TYPES",
    "AppRef",
    "Deadline",
    "DomainMember",
    "DomainMembers",
    "FakeApp",
    "FakeSpace",
    "FakeStudioLifecycleConfig",
    "FakeUserProfile",
    "StudioBackend",
    "apps_snapshot",
    "iter_apps",
    "sort_listed",
    "studio_backends",
]
