"""Logto's error body `{code, message, data?, details?}` and the catalogue of codes authkeep emits."""

from __future__ import annotations

from typing import Any

# English phrases from Logto's locale files; `{x}` is filled from the error's params.
MESSAGES: dict[str, str] = {
    "guard.invalid_input": "The request {type} is invalid.",
    "guard.invalid_pagination": "The request pagination value is invalid.",
    "request.invalid_input": "Input is invalid. {details}",
    "request.general": "Request error occurred.",
    "request.too_many_requests": "Too many requests. Please retry later.",
    "request.rate_limiter_unavailable": "The rate limiter is unavailable. Please retry later.",
    # authkeep's own (Logto answers a database outage with a bare 500): see dberrors.py.
    "request.database_unavailable": "The database is unavailable. Please retry later.",
    # authkeep's Idempotency-Key (docs/operations.md); Logto has no such header.
    "request.idempotency_key_invalid": "The Idempotency-Key header must be 1 to 255 printable ASCII characters.",
    "request.idempotency_key_mismatch": "This Idempotency-Key was already used with another request.",
    "request.idempotency_key_in_progress": "A request with this Idempotency-Key is still in progress. Please retry later.",
    "entity.not_exists_with_id": "The {name} with ID `{id}` does not exist.",
    "entity.not_found": "The resource does not exist.",
    "entity.not_exists": "The {name} does not exist.",
    "entity.invalid_input": "Invalid input. Value list must not be empty.",
    "entity.value_too_long": "The length of value is too long and exceeds the limit.",
    "entity.create_failed": "Failed to create {name}.",
    "entity.db_constraint_violated": "Database constraint violated.",
    "entity.relation_foreign_key_not_found": (
        "Cannot find one or more foreign keys. Please check the input and try again."
    ),
    "entity.unique_integrity_violation": (
        "The entity already exists. Please check the input and try again."
    ),
    "auth.authorization_header_missing": "Authorization header is missing.",
    "auth.authorization_token_type_not_supported": "Authorization type is not supported.",
    "auth.unauthorized": "Unauthorized. Please check credentials and its scope.",
    "auth.jwt_sub_missing": "Missing `sub` in JWT.",
    "auth.forbidden": "Forbidden. Please check your user roles and permissions.",
    "auth.expected_role_not_found": "Expected role not found. Please check your user roles and permissions.",
    "role.name_in_use": "This role name {name} is already in use",
    "role.scope_exists": "The scope id {scopeId} has already been added to this role",
    "role.user_exists": "The user id {userId} is already been added to this role",
    "role.application_exists": "The application id {applicationId} is already been added to this role",
    "role.management_api_scopes_not_assignable_to_user_role": (
        "Cannot assign Management API scopes to a user role."
    ),
    "resource.resource_identifier_in_use": "The API identifier {indicator} is already in use",
    "resource.cannot_modify_management_api": "Cannot modify Logto Management API.",
    "resource.cannot_delete_management_api": "Cannot delete Logto Management API.",
    "scope.name_exists": "The scope name {name} is already in use",
    "scope.name_with_space": "The name of the scope cannot contain any spaces.",
    "application.invalid_type": "Only machine to machine applications can have associated roles.",
    "application.invalid_role_type": "Can not assign user type role to machine to machine application.",
    "application.invalid_third_party_application_type": (
        "Only traditional web, single-page, and native applications can be marked as third-party apps."
    ),
    "application.secret_name_exists": "Secret name already exists.",
    "application.no_legacy_secret_found": "The application does not have a legacy secret.",
    "application.saml.use_saml_app_api": "Use `[METHOD] /saml-applications(/.*)?` API to operate SAML app.",
    "application.saml.saml_application_only": "The API is only available for SAML applications.",
    "application.saml.reach_oss_limit": "You CAN NOT create more SAML apps since the limit of {limit} is hit.",
    "application.saml.acs_url_binding_not_supported": (
        "Only HTTP-POST binding is supported for receiving SAML assertions."
    ),
    "application.saml.acs_url_scheme_not_supported": (
        "Only the HTTP and HTTPS schemes are supported for the Assertion Consumer Service URL."
    ),
    "application.saml.can_not_delete_active_secret": "Can not delete the active secret.",
    "application.saml.invalid_certificate_pem_format": "Invalid PEM certificate format",
    "application.saml.entity_id_required": "Entity ID is required to generate metadata.",
    "application.saml.missing_email_address": "User does not have an email address.",
    "application.saml.email_address_unverified": "User email address is not verified.",
    "application.saml.acs_url_required": "Assertion Consumer Service URL is required.",
    "application.saml.invalid_saml_request": "Invalid SAML authentication request.",
    "application.saml.auth_request_issuer_not_match": (
        "The issuer of the SAML authentication request mismatch with service provider entity ID."
    ),
    "application.saml.sp_initiated_saml_sso_session_not_found_in_cookies": (
        "Service provider initiated SAML SSO session ID not found in cookies."
    ),
    "application.saml.sp_initiated_saml_sso_session_not_found": "Service provider initiated SAML SSO session not found.",
    "application.saml.state_mismatch": "`state` mismatch.",
    "oidc.invalid_redirect_uri": "`redirect_uri` did not match any of the client's registered `redirect_uris`.",
    "oidc.access_denied": "Access denied.",
    "application.protected_app_metadata_is_required": "Protected app metadata is required.",
    "application.protected_app_not_configured": (
        "Protected app provider is not configured. This feature is not available for open source version."
    ),
    "application.cloudflare_unknown_error": "Got unknown error when requesting Cloudflare API",
    "application.protected_application_only": "The feature is only available for protected applications.",
    "application.device_flow_native_only": "Device flow is only available for native applications.",
    "application.device_flow_not_changeable": "Device flow cannot be changed after application creation.",
    "application.third_party_application_cannot_enable_token_exchange": (
        "Third-party applications are not allowed to enable token exchange."
    ),
    "application.protected_application_misconfigured": "Protected application is misconfigured.",
    "application.invalid_subdomain": "Invalid subdomain.",
    "application.custom_domain_not_found": "Custom domain not found.",
    "application.should_delete_custom_domains_first": "Should delete custom domains first.",
    "domain.not_configured": "Domain hostname provider is not configured.",
    "domain.limit_to_one_domain": "You can only have one custom domain.",
    "application.third_party_application_only": "The feature is only available for third-party applications.",
    "application.user_consent_scopes_not_found": "Invalid user consent scopes.",
    "application.consent_management_api_scopes_not_allowed": "Management API scopes are not allowed.",
    "application.token_exchange_not_allowed_for_third_party_apps": (
        "Token exchange is not allowed for third-party applications."
    ),
    "organization.require_membership": "The user must be a member of the organization to proceed.",
    "organization.role_names_not_found": (
        "Invalid role names detected: {names}. Please create these roles first before proceeding."
    ),
    "connector.not_found": "Cannot find any available connector for type: {type}.",
    "connector.general": "Error occurred in connector: {errorDescription}",
    "request.message_rate_limited": "Too many messages sent to this recipient. Please try again later.",
    "user.username_already_in_use": "This username is already in use.",
    "user.email_already_in_use": "This email is associated with an existing account.",
    "user.phone_already_in_use": "This phone number is associated with an existing account.",
    "user.invalid_phone": "Invalid phone number.",
    "user.password_and_digest": "You cannot set both plain text password and password digest.",
    "user.password_algorithm_required": "Password algorithm is required.",
    "user.cannot_delete_self": "You cannot delete yourself.",
    "user.invalid_role_type": "Invalid role type, can not assign machine-to-machine role to user.",
    "user.personal_access_token_name_exists": "Personal access token name already exists.",
    "user.identity_not_exist": "The social account has not been registered yet.",
    "user.identity_already_in_use": "The social account has been associated with an existing account.",
    "user.totp_already_in_use": "TOTP is already in use.",
    "user.backup_code_already_in_use": "Backup code is already in use.",
    "user.totp_secret_invalid": "Invalid TOTP secret supplied.",
    "user.wrong_backup_code_format": "Backup code format is invalid.",
    "user.enterprise_sso_identity_not_exists": (
        "The user does not have an enterprise identity linked to the specified SSO connector ID: "
        "{ssoConnectorId}."
    ),
    "session.interaction_not_found": (
        "Interaction session not found. Please go back and start the session again."
    ),
    "session.invalid_credentials": "Incorrect account or password. Please check your input.",
    "session.invalid_connector_id": "Unable to find available connector with id {connectorId}.",
    "session.mfa.backup_code_can_not_be_alone": "Backup code can not be the only MFA.",
    "password.unsupported_encryption_method": "The encryption method {name} is not supported.",
    "password.invalid_legacy_password_format": "Invalid legacy password format.",
    "password.unsupported_legacy_hash_algorithm": "Unsupported legacy hash algorithm: {algorithm}.",
    "sign_in_experiences.password_expiration_not_enabled": (
        "Password expiration policy is not enabled. Enable it in the sign-in experience settings "
        "before expiring passwords."
    ),
    "oidc.session_not_found": "Session not found.",
    "oidc.invalid_grant": "Grant request is invalid.",
    "oidc.invalid_request": "Request is invalid.",
    "oidc.key_required": "At least one key is required.",
    "oidc.key_not_found": "The key with ID {id} is not found.",
    "oidc.only_previous_key_can_be_deleted": "Only the previous key can be deleted.",
    # sign-in experience and phrases
    "sign_in_experiences.enabled_connector_not_found": "Enabled {type} connector not found.",
    "sign_in_experiences.passwordless_requires_verify": "Must enable verify for email/phone sign up identifier.",
    "sign_in_experiences.code_sign_in_must_be_enabled": (
        "Verification code sign in must be enabled when set a password is not required in sign up."
    ),
    "sign_in_experiences.unsupported_default_language": "This language - {language} is not supported at the moment.",
    "sign_in_experiences.at_least_one_authentication_factor": "You have to select at least one authentication factor.",
    "sign_in_experiences.backup_code_cannot_be_enabled_alone": "Backup code cannot be enabled alone.",
    "sign_in_experiences.duplicated_mfa_factors": "Duplicated MFA factors.",
    "sign_in_experiences.email_verification_code_cannot_be_used_for_mfa": (
        "Email verification code cannot be used for MFA when email verification is enabled for sign-in."
    ),
    "sign_in_experiences.phone_verification_code_cannot_be_used_for_mfa": (
        "SMS verification code cannot be used for MFA when SMS verification is enabled for sign-in."
    ),
    "sign_in_experiences.email_verification_code_cannot_be_used_for_sign_in": (
        "Email verification code cannot be used for sign-in when it is enabled for MFA."
    ),
    "sign_in_experiences.phone_verification_code_cannot_be_used_for_sign_in": (
        "SMS verification code cannot be used for sign-in when it is enabled for MFA."
    ),
    "sign_in_experiences.adaptive_mfa_requires_mfa": "MFA must be enabled before enabling adaptive MFA.",
    "sign_in_experiences.adaptive_mfa_requires_non_skippable_policy": (
        "Adaptive MFA requires a non-skippable MFA prompt policy. "
        "Use PromptOnlyAtSignInMandatory or PromptAtSignInAndSignUpMandatory."
    ),
    "sign_in_experiences.non_adaptive_mfa_requires_skippable_policy": (
        "When adaptive MFA is disabled, MFA prompt policy must be skippable. "
        "Do not use PromptOnlyAtSignInMandatory or PromptAtSignInAndSignUpMandatory."
    ),
    "sign_in_experiences.invalid_custom_email_blocklist_format": (
        "Invalid custom email blocklist items: {items}. Each item must be a valid email address or "
        "email domain, e.g., foo@example.com or @example.com."
    ),
    "sign_in_experiences.duplicated_sign_up_identifiers": "Duplicate sign-up identifiers detected.",
    "sign_in_experiences.missing_sign_up_identifiers": "Primary sign-up identifier cannot be empty.",
    "sign_in_experiences.forgot_password_method_requires_connector": (
        "Forgot password method requires a corresponding {method} connector to be configured."
    ),
    "sign_in_experiences.password_expiration_requires_forgot_password": (
        "Password expiration requires at least one forgot password method with a valid connector."
    ),
    "sign_in_experiences.password_expiration_invalid_period_days": (
        "Valid period days must be a positive integer when password expiration is enabled."
    ),
    "sign_in_experiences.username_policy_case_conflicts_exist": (
        "Cannot switch to case-insensitive usernames while usernames that differ only by case exist. "
        "Resolve the conflicts and try again."
    ),
    "localization.cannot_delete_default_language": (
        "{languageTag} is set as your default language and can’t be deleted."
    ),
    "localization.invalid_translation_structure": "Invalid data schemas. Please check your input and try again.",
    # custom profile fields
    "custom_profile_fields.entity_not_exists_with_names": "Cannot find entities with the given names: {names}",
    "custom_profile_fields.invalid_min_max_input": "Invalid min and max input.",
    "custom_profile_fields.invalid_default_value": "Invalid default value.",
    "custom_profile_fields.invalid_options": "Invalid field options.",
    "custom_profile_fields.invalid_regex_format": "Invalid regex format.",
    "custom_profile_fields.invalid_address_components": "Invalid address components.",
    "custom_profile_fields.invalid_fullname_components": "Invalid fullname components.",
    "custom_profile_fields.invalid_sub_component_type": "Invalid sub-component type.",
    "custom_profile_fields.name_exists": "Field already exists with the given name.",
    "custom_profile_fields.invalid_name": "Invalid field name, only letters or numbers are allowed, case sensitive.",
    "custom_profile_fields.name_conflict_sign_in_identifier": (
        "Invalid field name. Reserved sign-in identifier key(s): {name}."
    ),
    "custom_profile_fields.name_conflict_built_in_prop": (
        "Invalid field name. Reserved built-in user profile property name(s): {name}."
    ),
    "custom_profile_fields.name_conflict_custom_data": "Invalid field name. Reserved custom data key(s): {name}.",
    "storage.not_configured": "Storage provider is not configured.",
    # connectors, verification codes, one-time tokens, e-mail templates
    "connector.unexpected_type": "The connector's type is unexpected.",
    "connector.authorization_failed": "The user's authorization process is unsuccessful.",
    "connector.invalid_request_parameters": "The request is with wrong input parameter(s).",
    "session.connector_session_not_found": "Connector session not found. Please go back and sign in again.",
    "session.connector_validation_session_not_found": "The connector session for token validation is not found.",
    "session.sso_enabled": "Single sign on is enabled for this given email. Please sign in with SSO.",
    "user.sso_identity_not_exist": "The enterprise SSO account has not been registered yet.",
    "connector.invalid_config": "The connector's config is invalid.",
    "connector.invalid_metadata": "The connector's metadata is invalid.",
    "connector.invalid_certificate": (
        "The connector's certificate is invalid, please make sure the certificate is in PEM encoding."
    ),
    "connector.token_storage_not_supported": "This connector does not support token storage.",
    "single_sign_on.forbidden_domains": "Public email domains are not allowed.",
    "single_sign_on.sso_signing_unavailable": (
        "We couldn't complete sign-in with your identity provider. Please contact your administrator."
    ),
    "single_sign_on.duplicated_domains": "There are duplicate domains.",
    "single_sign_on.duplicate_connector_name": "Connector name already exists. Please choose a different name.",
    "single_sign_on.can_not_delete_active_signing_key": (
        "Cannot delete the active signing key. Activate another key or deactivate this key first."
    ),
    "single_sign_on.can_not_deactivate_signing_key_in_use": (
        "Cannot deactivate the signing key while signed authentication requests are enabled. "
        "Disable signed authentication requests first."
    ),
    "single_sign_on.active_signing_key_required": (
        "No active signing key found. Generate and activate a signing key before enabling signed authentication requests."
    ),
    "domain.domain_in_use": "The domain {domain} is already in use",
    "domain.domain_is_not_allowed": "This domain is not allowed.",
    "storage.upload_error": "Failed to upload file to the storage provider.",
    "guard.file_size_exceeded": "File size exceeded.",
    "guard.mime_type_not_allowed": "MIME type is not allowed.",
    "connector.invalid_response": "The connector's response is invalid.",
    "connector.template_not_found": "Unable to find correct template in connector config.",
    "connector.not_implemented": "{method}: has not been implemented yet.",
    "connector.rate_limit_exceeded": "Trigger rate limit. Please try again later.",
    "connector.not_found_with_connector_id": "Can not find connector with given standard connector id.",
    "connector.multiple_instances_not_supported": "Can not create multiple instance with picked standard connector.",
    "connector.invalid_type_for_syncing_profile": "You can only sync user profile with social connectors.",
    "connector.can_not_modify_target": "The connector 'target' can not be modified.",
    "connector.should_specify_target": "You should specify 'target'.",
    "connector.multiple_target_with_same_platform": (
        "You can not have multiple social connectors that have same target and platform."
    ),
    "connector.cannot_overwrite_metadata_for_non_standard_connector": (
        "This connector's 'metadata' cannot be overwritten."
    ),
    "connector.email_connector.bulk_deletion_no_filter": (
        "At least one filter condition must be provided to perform bulk deletion by properties. "
        "Supported properties are: {properties}."
    ),
    "session.insufficient_info": "Insufficient sign-in info.",
    "request.feature_not_supported": "This feature is not supported in the current environment.",
    "verification_code.phone_email_empty": "Both phone and email are empty.",
    "verification_code.not_found": "Verification code not found. Please send verification code first.",
    "verification_code.phone_mismatch": "Phone mismatch. Please request a new verification code.",
    "verification_code.email_mismatch": "Email mismatch. Please request a new verification code.",
    "verification_code.code_mismatch": "Invalid verification code.",
    "verification_code.expired": "Verification code has expired. Please request a new verification code.",
    "verification_code.exceed_max_try": (
        "Verification code retries limitation exceeded. Please request a new verification code."
    ),
    "one_time_token.token_not_found": "Token {token} not found.",
    "one_time_token.email_mismatch": "Email mismatch with given token.",
    "one_time_token.token_expired": "The token is expired.",
    "one_time_token.token_consumed": "The token has been consumed.",
    "one_time_token.token_revoked": "The token has been revoked.",
    "one_time_token.cannot_reactivate_token": "Cannot reactivate the token.",
    # Account and Verification APIs (api/account, api/verifications.py).
    "account_center.not_enabled": "Account center is not enabled.",
    "account_center.field_not_editable": "Field is not editable.",
    "account_center.field_not_enabled": "Field is not enabled.",
    "verification_record.not_found": "Verification record not found.",
    "verification_record.permission_denied": "Permission denied, please re-authenticate.",
    "auth.third_party_application_forbidden": "Third-party applications cannot modify account data through this API.",
    "session.mfa.invalid_totp_code": "Invalid TOTP code.",
    "session.mfa.mfa_factor_not_enabled": "MFA factor is not enabled.",
    "user.last_sign_in_method_required": "You need to keep at least one identifier in your account.",
    "user.same_password": "New password cannot be the same as your old password.",
    "password.rejected": "Password rejected. Please check if your password meets the requirements.",
    "user.username_starts_with_number": "Username cannot start with a number.",
    "user.username_invalid_charset_hard": "Username can only contain letters, numbers, and underscores.",
    "user.username_too_short": "Username is too short.",
    "user.username_too_long": "Username is too long.",
    "user.username_uppercase_not_allowed": "Username cannot contain uppercase letters.",
    "user.username_lowercase_not_allowed": "Username cannot contain lowercase letters.",
    "user.username_numbers_not_allowed": "Username cannot contain numbers.",
    "user.username_underscore_not_allowed": "Username cannot contain underscores.",
    "secrets.third_party_token_set.token_not_found": "Token record not found.",
}


class LogtoError(Exception):
    """A request error carrying Logto's code; the HTTP edge turns it into the JSON body."""

    def __init__(
        self,
        code: str,
        status: int = 400,
        *,
        data: Any = None,
        details: str | None = None,
        message: str | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        self.code = code
        self.status = status
        self.headers = headers or {}  # sent with the error (e.g. Retry-After on a 503)
        self.data = data
        self.details = details
        self.message = message if message is not None else render(code, params)
        super().__init__(f"{code}: {self.message}")

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            out["data"] = self.data
        if self.details is not None:
            out["details"] = self.details
        return out


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(code: str, params: dict[str, Any]) -> str:
    template = MESSAGES.get(code, code)
    return template.format_map(_Blank({k: v for k, v in params.items()})).strip()


def not_exists_with_id(table: str, entity_id: str) -> LogtoError:
    return LogtoError("entity.not_exists_with_id", 404, name=table, id=entity_id)


def not_found() -> LogtoError:
    return LogtoError("entity.not_found", 404)


def invalid_input(details: str) -> LogtoError:
    """`request.invalid_input`: the details go into the message, not a field (as in Logto)."""
    return LogtoError("request.invalid_input", 400, message=render("request.invalid_input", {"details": details}))
