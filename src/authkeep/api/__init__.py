"""Management API routes, one module per Logto tag. Routes only: rules live in domain/."""

from authkeep.api import (
    account_center,
    applications,
    captcha_provider,
    configs,
    configs_more,
    connectors,
    custom_phrases,
    custom_profile_fields,
    dashboard,
    email_templates,
    experience,
    hooks,
    logs,
    one_time_tokens,
    organizations,
    resources,
    roles,
    sign_in_exp,
    users,
    verification_codes,
    well_known,
)

ROUTERS = [applications.router, resources.router, roles.router, *users.ROUTERS, configs.router]
ROUTERS += organizations.ROUTERS
ROUTERS += [sign_in_exp.router, custom_phrases.router, custom_profile_fields.router, account_center.router]
ROUTERS += [captcha_provider.router, configs_more.router, well_known.router]
ROUTERS += [connectors.router, verification_codes.router, one_time_tokens.router, email_templates.router]
ROUTERS += [hooks.router, logs.router, dashboard.router]
ROUTERS += experience.ROUTERS
