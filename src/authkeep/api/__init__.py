"""Management API routes, one module per Logto tag. Routes only: rules live in domain/."""

from authkeep.api import (
    applications,
    configs,
    organization_invitations,
    organization_roles,
    organization_scopes,
    organizations,
    resources,
    roles,
    users,
)

ROUTERS = [applications.router, resources.router, roles.router, users.router, configs.router]
ROUTERS += [
    organizations.router,
    organization_roles.router,
    organization_scopes.router,
    organization_invitations.router,
]
