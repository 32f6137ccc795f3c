"""Management API routes, one module per Logto tag. Routes only: rules live in domain/."""

from authkeep.api import (
    account,
    account_center,
    applications,
    authn,
    captcha_provider,
    cimd,
    configs,
    configs_more,
    connectors,
    custom_phrases,
    custom_profile_fields,
    dashboard,
    domains,
    email_templates,
    experience,
    hasura,
    hooks,
    interaction_consent,
    jwt_customizer,
    logs,
    my_account_sessions,
    one_time_tokens,
    organizations,
    resources,
    roles,
    saml_applications,
    saml_flow,
    secrets,
    sentinel_activities,
    sign_in_exp,
    sso_connectors,
    subject_tokens,
    systems,
    user_assets,
    users,
    verification_codes,
    verifications,
    well_known,
)

ROUTERS = [applications.router, resources.router, roles.router, *users.ROUTERS, configs.router]
ROUTERS += organizations.ROUTERS
ROUTERS += [sign_in_exp.router, custom_phrases.router, custom_profile_fields.router, account_center.router]
ROUTERS += [captcha_provider.router, configs_more.router, well_known.router]
ROUTERS += [connectors.router, verification_codes.router, one_time_tokens.router, email_templates.router]
ROUTERS += [hooks.router, logs.router, dashboard.router]
ROUTERS += [*account.ROUTERS, verifications.router]
ROUTERS += [sso_connectors.router, domains.router, secrets.router, systems.router]
ROUTERS += [user_assets.router, cimd.router]
ROUTERS += [my_account_sessions.router, interaction_consent.router]
ROUTERS += [subject_tokens.router, sentinel_activities.router, hasura.router]
ROUTERS += experience.ROUTERS
ROUTERS += [jwt_customizer.router]
ROUTERS += [saml_applications.router, saml_flow.router]
ROUTERS += [authn.router]
