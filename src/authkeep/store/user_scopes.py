"""The user scopes an application may request consent for, in Logto's order (its `UserScope`).

Lives in the store because consent-scope lists are sorted by it; `domain.applications` re-exports it."""

USER_SCOPES = (
    "profile",
    "email",
    "phone",
    "address",
    "custom_data",
    "identities",
    "roles",
    "urn:logto:scope:organizations",
    "urn:logto:scope:organization_roles",
    "urn:logto:scope:sessions",
    "urn:logto:scope:trusted_devices",
)
