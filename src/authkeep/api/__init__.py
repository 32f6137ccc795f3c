"""Management API routes, one module per Logto tag. Routes only: rules live in domain/."""

from authkeep.api import applications, resources, roles

ROUTERS = [applications.router, resources.router, roles.router]
