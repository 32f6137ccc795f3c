"""Users routes (Logto tag "Users", docs/users.md), one module per sub-resource."""

from authkeep.api.users import (
    bulk,
    core,
    identities,
    mfa,
    password,
    profile,
    roles,
    sessions,
    tokens,
)

ROUTERS = [
    core.router,
    profile.router,
    password.router,
    roles.router,
    identities.router,
    mfa.router,
    tokens.router,
    sessions.router,
    bulk.router,  # authkeep extension: POST /users/bulk
]
