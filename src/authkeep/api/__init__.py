"""Management API routes, one module per Logto tag. Routes only: rules live in domain/."""

from authkeep.api import (
    applications,
    configs,
    organizations,
    resources,
    roles,
    users,
)

ROUTERS = [applications.router, resources.router, roles.router, *users.ROUTERS, configs.router]
ROUTERS += organizations.ROUTERS
