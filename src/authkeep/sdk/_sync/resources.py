# Generated from src/authkeep/sdk/_async/resources.py by tests/sdk_unasync.py. Do not edit:
# change the async module and run `python -m tests.sdk_unasync`.
"""Typed helpers for the Management API families people use most.

Each method is a thin, typed wrapper over one OpenAPI operation; the docstring names it.
`list_*` methods return one page; `iterate*` methods return a pager over every page.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, Literal, cast

from authkeep.sdk._core import DEFAULT_PAGE_SIZE, Params, Search, search_params, segment
from authkeep.sdk._sync._family import _Family
from authkeep.sdk._sync.paging import Pager
from authkeep.sdk.types import (
    Application,
    ApplicationCreate,
    ApplicationSecret,
    ApplicationSecretCreate,
    ApplicationType,
    ApplicationUpdate,
    InvitationMessage,
    Organization,
    OrganizationCreate,
    OrganizationInvitation,
    OrganizationInvitationCreate,
    OrganizationMember,
    OrganizationRole,
    OrganizationRoleCreate,
    OrganizationRoleUpdate,
    OrganizationUpdate,
    Resource,
    ResourceCreate,
    ResourceUpdate,
    Role,
    RoleAssignment,
    RoleCreate,
    RoleType,
    RoleUpdate,
    Scope,
    ScopeCreate,
    ScopeUpdate,
    User,
    UserCreate,
    UserOrganization,
    UserUpdate,
)


def _page(page: int | None, page_size: int | None) -> dict[str, Any]:
    return {"page": page, "page_size": page_size}


class Users(_Family):
    """`/api/users`. Lists are newest first; search with `Search` (no implicit wildcards)."""

    def _filters(
        self,
        search: Search | str | None,
        exclude_role_id: str | None,
        exclude_organization_id: str | None,
    ) -> dict[str, Any]:
        return {
            **search_params(search),
            "excludeRoleId": exclude_role_id,
            "excludeOrganizationId": exclude_organization_id,
        }

    def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        search: Search | str | None = None,
        exclude_role_id: str | None = None,
        exclude_organization_id: str | None = None,
    ) -> builtins.list[User]:
        """One page of `GET /api/users` (Logto pages it: 20 by default, 100 at most)."""
        params = {
            **self._filters(search, exclude_role_id, exclude_organization_id),
            **_page(page, page_size),
        }
        return cast("list[User]", self._client.get("/api/users", params=params))

    def iterate(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        search: Search | str | None = None,
        exclude_role_id: str | None = None,
        exclude_organization_id: str | None = None,
    ) -> Pager[User]:
        """Every user matching the filters, page by page."""
        params = self._filters(search, exclude_role_id, exclude_organization_id)
        return self._client.paginate("/api/users", params=params, page_size=page_size)

    def search(self, search: Search | str, *, page_size: int = DEFAULT_PAGE_SIZE) -> Pager[User]:
        """Every user matching `search`, e.g. `Search(fields={"primaryEmail": "%@corp.com"})`."""
        return self.iterate(search=search, page_size=page_size)

    def get(self, user_id: str) -> User:
        """`GET /api/users/{userId}` (unknown id: 404 `entity.not_found`)."""
        return cast(User, self._client.get(f"/api/users/{segment(user_id)}"))

    def create(self, body: UserCreate) -> User:
        """`POST /api/users`."""
        return cast(User, self._client.post("/api/users", json=body))

    def update(self, user_id: str, body: UserUpdate) -> User:
        """`PATCH /api/users/{userId}` (`customData`/`profile` are replaced wholesale)."""
        return cast(User, self._client.patch(f"/api/users/{segment(user_id)}", json=body))

    def delete(self, user_id: str) -> None:
        """`DELETE /api/users/{userId}`."""
        self._client.delete(f"/api/users/{segment(user_id)}")

    def update_custom_data(self, user_id: str, custom_data: dict[str, Any]) -> dict[str, Any]:
        """`PATCH /api/users/{userId}/custom-data` (shallow merge); returns the merged data."""
        path = f"/api/users/{segment(user_id)}/custom-data"
        return cast("dict[str, Any]", self._client.patch(path, json={"customData": custom_data}))

    def update_password(self, user_id: str, password: str) -> User:
        """`PATCH /api/users/{userId}/password`."""
        path = f"/api/users/{segment(user_id)}/password"
        return cast(User, self._client.patch(path, json={"password": password}))

    def set_suspended(self, user_id: str, suspended: bool) -> User:
        """`PATCH /api/users/{userId}/is-suspended`."""
        path = f"/api/users/{segment(user_id)}/is-suspended"
        return cast(User, self._client.patch(path, json={"isSuspended": suspended}))

    def iterate_roles(self, user_id: str, *, page_size: int = DEFAULT_PAGE_SIZE) -> Pager[Role]:
        """`GET /api/users/{userId}/roles`, every page."""
        path = f"/api/users/{segment(user_id)}/roles"
        return self._client.paginate(path, page_size=page_size)

    def assign_roles(self, user_id: str, role_ids: Sequence[str]) -> RoleAssignment:
        """`POST /api/users/{userId}/roles` (User-type roles only)."""
        path = f"/api/users/{segment(user_id)}/roles"
        return cast(RoleAssignment, self._client.post(path, json={"roleIds": list(role_ids)}))

    def remove_role(self, user_id: str, role_id: str) -> None:
        """`DELETE /api/users/{userId}/roles/{roleId}`."""
        self._client.delete(f"/api/users/{segment(user_id)}/roles/{segment(role_id)}")

    def list_organizations(self, user_id: str) -> builtins.list[UserOrganization]:
        """`GET /api/users/{userId}/organizations` (not paginated), with the user's roles."""
        path = f"/api/users/{segment(user_id)}/organizations"
        return cast("list[UserOrganization]", self._client.get(path))


class Applications(_Family):
    """`/api/applications`. Paging is optional in Logto; `list()` without a page gets all."""

    def _filters(
        self,
        search: Search | str | None,
        types: Sequence[ApplicationType] | None,
        is_third_party: bool | None,
        exclude_role_id: str | None,
        exclude_organization_id: str | None,
    ) -> dict[str, Any]:
        return {
            **search_params(search),
            "types": list(types) if types else None,
            "isThirdParty": is_third_party,
            "excludeRoleId": exclude_role_id,
            "excludeOrganizationId": exclude_organization_id,
        }

    def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        search: Search | str | None = None,
        types: Sequence[ApplicationType] | None = None,
        is_third_party: bool | None = None,
        exclude_role_id: str | None = None,
        exclude_organization_id: str | None = None,
    ) -> builtins.list[Application]:
        """`GET /api/applications`: everything, or one page when `page`/`page_size` is given."""
        params = {
            **self._filters(
                search, types, is_third_party, exclude_role_id, exclude_organization_id
            ),
            **_page(page, page_size),
        }
        return cast("list[Application]", self._client.get("/api/applications", params=params))

    def iterate(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        search: Search | str | None = None,
        types: Sequence[ApplicationType] | None = None,
        is_third_party: bool | None = None,
        exclude_role_id: str | None = None,
        exclude_organization_id: str | None = None,
    ) -> Pager[Application]:
        """Every application matching the filters, page by page (newest first)."""
        params = self._filters(
            search, types, is_third_party, exclude_role_id, exclude_organization_id
        )
        return self._client.paginate("/api/applications", params=params, page_size=page_size)

    def get(self, application_id: str) -> Application:
        """`GET /api/applications/{id}`."""
        return cast(Application, self._client.get(f"/api/applications/{segment(application_id)}"))

    def create(self, body: ApplicationCreate) -> Application:
        """`POST /api/applications`; the usable secret comes from `list_secrets()`."""
        return cast(Application, self._client.post("/api/applications", json=body))

    def update(self, application_id: str, body: ApplicationUpdate) -> Application:
        """`PATCH /api/applications/{id}`."""
        path = f"/api/applications/{segment(application_id)}"
        return cast(Application, self._client.patch(path, json=body))

    def delete(self, application_id: str) -> None:
        """`DELETE /api/applications/{id}`."""
        self._client.delete(f"/api/applications/{segment(application_id)}")

    def list_secrets(self, application_id: str) -> builtins.list[ApplicationSecret]:
        """`GET /api/applications/{id}/secrets` (plaintext values)."""
        path = f"/api/applications/{segment(application_id)}/secrets"
        return cast("list[ApplicationSecret]", self._client.get(path))

    def create_secret(
        self, application_id: str, body: ApplicationSecretCreate
    ) -> ApplicationSecret:
        """`POST /api/applications/{id}/secrets`."""
        path = f"/api/applications/{segment(application_id)}/secrets"
        return cast(ApplicationSecret, self._client.post(path, json=body))

    def delete_secret(self, application_id: str, name: str) -> None:
        """`DELETE /api/applications/{id}/secrets/{name}`."""
        self._client.delete(f"/api/applications/{segment(application_id)}/secrets/{segment(name)}")

    def iterate_roles(
        self, application_id: str, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Pager[Role]:
        """`GET /api/applications/{applicationId}/roles`, every page."""
        path = f"/api/applications/{segment(application_id)}/roles"
        return self._client.paginate(path, page_size=page_size)

    def assign_roles(self, application_id: str, role_ids: Sequence[str]) -> RoleAssignment:
        """`POST /api/applications/{applicationId}/roles` (M2M apps and roles only)."""
        path = f"/api/applications/{segment(application_id)}/roles"
        return cast(RoleAssignment, self._client.post(path, json={"roleIds": list(role_ids)}))

    def remove_role(self, application_id: str, role_id: str) -> None:
        """`DELETE /api/applications/{applicationId}/roles/{roleId}`."""
        self._client.delete(f"/api/applications/{segment(application_id)}/roles/{segment(role_id)}")


class Roles(_Family):
    """`/api/roles` and their scopes, users and applications."""

    def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        search: Search | str | None = None,
        type: RoleType | None = None,
        exclude_user_id: str | None = None,
        exclude_application_id: str | None = None,
    ) -> builtins.list[Role]:
        """One page of `GET /api/roles`."""
        params = {
            **search_params(search),
            "type": type,
            "excludeUserId": exclude_user_id,
            "excludeApplicationId": exclude_application_id,
            **_page(page, page_size),
        }
        return cast("list[Role]", self._client.get("/api/roles", params=params))

    def iterate(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        search: Search | str | None = None,
        type: RoleType | None = None,
        exclude_user_id: str | None = None,
        exclude_application_id: str | None = None,
    ) -> Pager[Role]:
        """Every role matching the filters, page by page."""
        params: Params = {
            **search_params(search),
            "type": type,
            "excludeUserId": exclude_user_id,
            "excludeApplicationId": exclude_application_id,
        }
        return self._client.paginate("/api/roles", params=params, page_size=page_size)

    def get(self, role_id: str) -> Role:
        """`GET /api/roles/{id}`."""
        return cast(Role, self._client.get(f"/api/roles/{segment(role_id)}"))

    def create(self, body: RoleCreate) -> Role:
        """`POST /api/roles` (`description` is required)."""
        return cast(Role, self._client.post("/api/roles", json=body))

    def update(self, role_id: str, body: RoleUpdate) -> Role:
        """`PATCH /api/roles/{id}`."""
        return cast(Role, self._client.patch(f"/api/roles/{segment(role_id)}", json=body))

    def delete(self, role_id: str) -> None:
        """`DELETE /api/roles/{id}`."""
        self._client.delete(f"/api/roles/{segment(role_id)}")

    def iterate_scopes(self, role_id: str, *, page_size: int = DEFAULT_PAGE_SIZE) -> Pager[Scope]:
        """`GET /api/roles/{id}/scopes`, every page."""
        return self._client.paginate(f"/api/roles/{segment(role_id)}/scopes", page_size=page_size)

    def add_scopes(self, role_id: str, scope_ids: Sequence[str]) -> builtins.list[Scope]:
        """`POST /api/roles/{id}/scopes`."""
        path = f"/api/roles/{segment(role_id)}/scopes"
        return cast("list[Scope]", self._client.post(path, json={"scopeIds": list(scope_ids)}))

    def remove_scope(self, role_id: str, scope_id: str) -> None:
        """`DELETE /api/roles/{id}/scopes/{scopeId}`."""
        self._client.delete(f"/api/roles/{segment(role_id)}/scopes/{segment(scope_id)}")

    def iterate_users(self, role_id: str, *, page_size: int = DEFAULT_PAGE_SIZE) -> Pager[User]:
        """`GET /api/roles/{id}/users`, every page."""
        return self._client.paginate(f"/api/roles/{segment(role_id)}/users", page_size=page_size)

    def assign_users(self, role_id: str, user_ids: Sequence[str]) -> None:
        """`POST /api/roles/{id}/users`."""
        path = f"/api/roles/{segment(role_id)}/users"
        self._client.post(path, json={"userIds": list(user_ids)})

    def remove_user(self, role_id: str, user_id: str) -> None:
        """`DELETE /api/roles/{id}/users/{userId}`."""
        self._client.delete(f"/api/roles/{segment(role_id)}/users/{segment(user_id)}")

    def iterate_applications(
        self, role_id: str, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Pager[Application]:
        """`GET /api/roles/{id}/applications`, every page."""
        path = f"/api/roles/{segment(role_id)}/applications"
        return self._client.paginate(path, page_size=page_size)

    def assign_applications(self, role_id: str, application_ids: Sequence[str]) -> None:
        """`POST /api/roles/{id}/applications`."""
        path = f"/api/roles/{segment(role_id)}/applications"
        self._client.post(path, json={"applicationIds": list(application_ids)})

    def remove_application(self, role_id: str, application_id: str) -> None:
        """`DELETE /api/roles/{id}/applications/{applicationId}`."""
        path = f"/api/roles/{segment(role_id)}/applications/{segment(application_id)}"
        self._client.delete(path)


class Resources(_Family):
    """`/api/resources` (API resources) and their scopes."""

    def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        include_scopes: bool | None = None,
    ) -> builtins.list[Resource]:
        """`GET /api/resources`: everything, or one page when `page`/`page_size` is given."""
        params = {"includeScopes": include_scopes, **_page(page, page_size)}
        return cast("list[Resource]", self._client.get("/api/resources", params=params))

    def iterate(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, include_scopes: bool | None = None
    ) -> Pager[Resource]:
        """Every resource, page by page."""
        params: Params = {"includeScopes": include_scopes}
        return self._client.paginate("/api/resources", params=params, page_size=page_size)

    def get(self, resource_id: str) -> Resource:
        """`GET /api/resources/{id}`."""
        return cast(Resource, self._client.get(f"/api/resources/{segment(resource_id)}"))

    def create(self, body: ResourceCreate) -> Resource:
        """`POST /api/resources`."""
        return cast(Resource, self._client.post("/api/resources", json=body))

    def update(self, resource_id: str, body: ResourceUpdate) -> Resource:
        """`PATCH /api/resources/{id}`."""
        path = f"/api/resources/{segment(resource_id)}"
        return cast(Resource, self._client.patch(path, json=body))

    def delete(self, resource_id: str) -> None:
        """`DELETE /api/resources/{id}`."""
        self._client.delete(f"/api/resources/{segment(resource_id)}")

    def set_default(self, resource_id: str, is_default: bool = True) -> Resource:
        """`PATCH /api/resources/{id}/is-default`."""
        path = f"/api/resources/{segment(resource_id)}/is-default"
        return cast(Resource, self._client.patch(path, json={"isDefault": is_default}))

    def iterate_scopes(
        self,
        resource_id: str,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        search: Search | str | None = None,
    ) -> Pager[Scope]:
        """`GET /api/resources/{resourceId}/scopes`, every page."""
        path = f"/api/resources/{segment(resource_id)}/scopes"
        return self._client.paginate(path, params=search_params(search), page_size=page_size)

    def create_scope(self, resource_id: str, body: ScopeCreate) -> Scope:
        """`POST /api/resources/{resourceId}/scopes`."""
        path = f"/api/resources/{segment(resource_id)}/scopes"
        return cast(Scope, self._client.post(path, json=body))

    def update_scope(self, resource_id: str, scope_id: str, body: ScopeUpdate) -> Scope:
        """`PATCH /api/resources/{resourceId}/scopes/{scopeId}`."""
        path = f"/api/resources/{segment(resource_id)}/scopes/{segment(scope_id)}"
        return cast(Scope, self._client.patch(path, json=body))

    def delete_scope(self, resource_id: str, scope_id: str) -> None:
        """`DELETE /api/resources/{resourceId}/scopes/{scopeId}`."""
        self._client.delete(f"/api/resources/{segment(resource_id)}/scopes/{segment(scope_id)}")


class Organizations(_Family):
    """`/api/organizations`, their members and the members' organization roles."""

    def list(
        self, *, page: int | None = None, page_size: int | None = None, q: str | None = None
    ) -> builtins.list[Organization]:
        """One page of `GET /api/organizations`; `q` is a substring match on id and name."""
        params = {"q": q, **_page(page, page_size)}
        return cast("list[Organization]", self._client.get("/api/organizations", params=params))

    def iterate(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, q: str | None = None
    ) -> Pager[Organization]:
        """Every organization, page by page."""
        return self._client.paginate("/api/organizations", params={"q": q}, page_size=page_size)

    def get(self, organization_id: str) -> Organization:
        """`GET /api/organizations/{id}`."""
        return cast(
            Organization, self._client.get(f"/api/organizations/{segment(organization_id)}")
        )

    def create(self, body: OrganizationCreate) -> Organization:
        """`POST /api/organizations`."""
        return cast(Organization, self._client.post("/api/organizations", json=body))

    def update(self, organization_id: str, body: OrganizationUpdate) -> Organization:
        """`PATCH /api/organizations/{id}`."""
        path = f"/api/organizations/{segment(organization_id)}"
        return cast(Organization, self._client.patch(path, json=body))

    def delete(self, organization_id: str) -> None:
        """`DELETE /api/organizations/{id}`."""
        self._client.delete(f"/api/organizations/{segment(organization_id)}")

    # members

    def list_members(
        self,
        organization_id: str,
        *,
        page: int | None = None,
        page_size: int | None = None,
        q: str | None = None,
        organization_role_id: str | None = None,
    ) -> builtins.list[OrganizationMember]:
        """One page of `GET /api/organizations/{id}/users`, each with `organizationRoles`."""
        path = f"/api/organizations/{segment(organization_id)}/users"
        params = {"q": q, "organizationRoleId": organization_role_id, **_page(page, page_size)}
        return cast("list[OrganizationMember]", self._client.get(path, params=params))

    def iterate_members(
        self,
        organization_id: str,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        q: str | None = None,
        organization_role_id: str | None = None,
    ) -> Pager[OrganizationMember]:
        """Every member of the organization, page by page."""
        path = f"/api/organizations/{segment(organization_id)}/users"
        params: Params = {"q": q, "organizationRoleId": organization_role_id}
        return self._client.paginate(path, params=params, page_size=page_size)

    def add_members(self, organization_id: str, user_ids: Sequence[str]) -> None:
        """`POST /api/organizations/{id}/users` (re-adding a member is not an error)."""
        path = f"/api/organizations/{segment(organization_id)}/users"
        self._client.post(path, json={"userIds": list(user_ids)})

    def replace_members(self, organization_id: str, user_ids: Sequence[str]) -> None:
        """`PUT /api/organizations/{id}/users`."""
        path = f"/api/organizations/{segment(organization_id)}/users"
        self._client.put(path, json={"userIds": list(user_ids)})

    def remove_member(self, organization_id: str, user_id: str) -> None:
        """`DELETE /api/organizations/{id}/users/{userId}` (also drops the member's roles)."""
        path = f"/api/organizations/{segment(organization_id)}/users/{segment(user_id)}"
        self._client.delete(path)

    def list_member_roles(
        self, organization_id: str, user_id: str
    ) -> builtins.list[OrganizationRole]:
        """`GET /api/organizations/{id}/users/{userId}/roles` (all of them)."""
        path = f"/api/organizations/{segment(organization_id)}/users/{segment(user_id)}/roles"
        return cast("list[OrganizationRole]", self._client.get(path))

    def add_member_roles(
        self,
        organization_id: str,
        user_id: str,
        *,
        role_ids: Sequence[str] | None = None,
        role_names: Sequence[str] | None = None,
    ) -> None:
        """`POST /api/organizations/{id}/users/{userId}/roles`, by role ids and/or names."""
        path = f"/api/organizations/{segment(organization_id)}/users/{segment(user_id)}/roles"
        body: dict[str, list[str]] = {}
        if role_ids is not None:
            body["organizationRoleIds"] = list(role_ids)
        if role_names is not None:
            body["organizationRoleNames"] = list(role_names)
        self._client.post(path, json=body)

    def replace_member_roles(
        self, organization_id: str, user_id: str, role_ids: Sequence[str]
    ) -> None:
        """`PUT /api/organizations/{id}/users/{userId}/roles`."""
        path = f"/api/organizations/{segment(organization_id)}/users/{segment(user_id)}/roles"
        self._client.put(path, json={"organizationRoleIds": list(role_ids)})

    def remove_member_role(self, organization_id: str, user_id: str, role_id: str) -> None:
        """`DELETE /api/organizations/{id}/users/{userId}/roles/{organizationRoleId}`."""
        path = (
            f"/api/organizations/{segment(organization_id)}/users/{segment(user_id)}"
            f"/roles/{segment(role_id)}"
        )
        self._client.delete(path)

    def assign_roles_to_members(
        self, organization_id: str, user_ids: Sequence[str], role_ids: Sequence[str]
    ) -> None:
        """`POST /api/organizations/{id}/users/roles`: every role to every listed member."""
        path = f"/api/organizations/{segment(organization_id)}/users/roles"
        body = {"userIds": list(user_ids), "organizationRoleIds": list(role_ids)}
        self._client.post(path, json=body)


class OrganizationRoles(_Family):
    """`/api/organization-roles` (the organization template's roles)."""

    def list(
        self, *, page: int | None = None, page_size: int | None = None, q: str | None = None
    ) -> builtins.list[OrganizationRole]:
        """One page of `GET /api/organization-roles` (ordered by name)."""
        params = {"q": q, **_page(page, page_size)}
        return cast(
            "list[OrganizationRole]",
            self._client.get("/api/organization-roles", params=params),
        )

    def iterate(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, q: str | None = None
    ) -> Pager[OrganizationRole]:
        """Every organization role, page by page."""
        return self._client.paginate(
            "/api/organization-roles", params={"q": q}, page_size=page_size
        )

    def get(self, role_id: str) -> OrganizationRole:
        """`GET /api/organization-roles/{id}`."""
        return cast(
            OrganizationRole, self._client.get(f"/api/organization-roles/{segment(role_id)}")
        )

    def create(self, body: OrganizationRoleCreate) -> OrganizationRole:
        """`POST /api/organization-roles`."""
        return cast(OrganizationRole, self._client.post("/api/organization-roles", json=body))

    def update(self, role_id: str, body: OrganizationRoleUpdate) -> OrganizationRole:
        """`PATCH /api/organization-roles/{id}`."""
        path = f"/api/organization-roles/{segment(role_id)}"
        return cast(OrganizationRole, self._client.patch(path, json=body))

    def delete(self, role_id: str) -> None:
        """`DELETE /api/organization-roles/{id}`."""
        self._client.delete(f"/api/organization-roles/{segment(role_id)}")


class OrganizationInvitations(_Family):
    """`/api/organization-invitations`. Logto does not paginate this list."""

    def list(
        self,
        *,
        organization_id: str | None = None,
        inviter_id: str | None = None,
        invitee: str | None = None,
    ) -> builtins.list[OrganizationInvitation]:
        """`GET /api/organization-invitations` (newest first; `Expired` is computed)."""
        params = {"organizationId": organization_id, "inviterId": inviter_id, "invitee": invitee}
        path = "/api/organization-invitations"
        return cast("list[OrganizationInvitation]", self._client.get(path, params=params))

    def get(self, invitation_id: str) -> OrganizationInvitation:
        """`GET /api/organization-invitations/{id}`."""
        path = f"/api/organization-invitations/{segment(invitation_id)}"
        return cast(OrganizationInvitation, self._client.get(path))

    def create(self, body: OrganizationInvitationCreate) -> OrganizationInvitation:
        """`POST /api/organization-invitations`; no email is sent unless `messagePayload` is set."""
        payload = {"messagePayload": False, **body}
        path = "/api/organization-invitations"
        return cast(OrganizationInvitation, self._client.post(path, json=payload))

    def set_status(
        self,
        invitation_id: str,
        status: Literal["Accepted", "Revoked"],
        *,
        accepted_user_id: str | None = None,
    ) -> OrganizationInvitation:
        """`PUT /api/organization-invitations/{id}/status`; accepting adds the membership."""
        path = f"/api/organization-invitations/{segment(invitation_id)}/status"
        body: dict[str, str] = {"status": status}
        if accepted_user_id is not None:
            body["acceptedUserId"] = accepted_user_id
        return cast(OrganizationInvitation, self._client.put(path, json=body))

    def resend(self, invitation_id: str, message: InvitationMessage | None = None) -> None:
        """`POST /api/organization-invitations/{id}/message` (rate limited by Logto)."""
        path = f"/api/organization-invitations/{segment(invitation_id)}/message"
        self._client.post(path, json=dict(message or {}))

    def delete(self, invitation_id: str) -> None:
        """`DELETE /api/organization-invitations/{id}`."""
        self._client.delete(f"/api/organization-invitations/{segment(invitation_id)}")
