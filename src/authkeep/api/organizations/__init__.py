"""Organization routes (Logto tags "Organizations", "Organization roles", "Organization scopes",
"Organization invitations"), one module per sub-resource."""

from authkeep.api.organizations import applications, core, invitations, jit, members, roles, scopes

ROUTERS = [
    core.router,
    members.router,
    applications.router,
    jit.router,
    roles.router,
    scopes.router,
    invitations.router,
]
