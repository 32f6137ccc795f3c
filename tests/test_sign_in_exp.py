"""GET/PATCH /api/sign-in-exp: Logto's seed, validation and consistency rules (both backends)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server import Server


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {own_server.token()}"}
    with httpx.Client(base_url=own_server.base_url, headers=headers, timeout=30) as client:
        yield client


def _error(res: httpx.Response, status: int, code: str) -> dict:  # type: ignore[type-arg]
    assert res.status_code == status, res.text
    body = res.json()
    assert body["code"] == code, body
    return body


def test_seed_defaults(api: httpx.Client) -> None:
    res = api.get("/api/sign-in-exp")
    assert res.status_code == 200
    sie = res.json()
    assert sie["id"] == "default" and sie["tenantId"] == "default"
    assert sie["color"] == {"primaryColor": "#6139F6", "isDarkModeEnabled": False, "darkPrimaryColor": "#8768F8"}
    assert sie["signUp"] == {"identifiers": ["username"], "password": True, "verify": False}
    assert sie["signIn"]["methods"] == [
        {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True}
    ]
    assert sie["mfa"] == {"factors": [], "policy": "UserControlled"}
    assert sie["passwordPolicy"] == {} and sie["captchaPolicy"] == {}
    assert sie["usernamePolicy"]["caseSensitive"] is True
    assert sie["signUpProfileFields"] is None and sie["forgotPasswordMethods"] == []
    assert sie["languageInfo"] == {"autoDetect": True, "fallbackLanguage": "en"}
    assert sie["signInMode"] == "SignInAndRegister" and sie["agreeToTermsPolicy"] == "Automatic"


def test_patch_replaces_top_level_keys(api: httpx.Client) -> None:
    res = api.patch(
        "/api/sign-in-exp",
        json={
            "color": {"primaryColor": "#123abc", "isDarkModeEnabled": True, "darkPrimaryColor": "#fff"},
            "branding": {"logoUrl": "https://example.com/logo.png"},
            "termsOfUseUrl": "https://example.com/terms",
            "privacyPolicyUrl": "",
            "signInMode": "SignIn",
            "customCss": "body { color: red; }",
            "customContent": {"/sign-in": "<p>hi</p>"},
            "passwordPolicy": {"length": {"min": 10}},
            "unknownKey": 1,
        },
    )
    assert res.status_code == 200, res.text
    sie = res.json()
    assert sie["branding"] == {"logoUrl": "https://example.com/logo.png"}
    assert sie["color"]["primaryColor"] == "#123abc"
    assert sie["termsOfUseUrl"] == "https://example.com/terms" and sie["privacyPolicyUrl"] == ""
    assert sie["passwordPolicy"] == {"length": {"min": 10, "max": 256}}
    assert "unknownKey" not in sie
    assert api.get("/api/sign-in-exp").json() == sie
    # null clears a nullable field, and leaves the others alone
    sie2 = api.patch("/api/sign-in-exp", json={"customCss": None}).json()
    assert sie2["customCss"] is None and sie2["signInMode"] == "SignIn"


@pytest.mark.parametrize(
    "body",
    [
        {"color": {"primaryColor": "red", "isDarkModeEnabled": False, "darkPrimaryColor": "#fff"}},
        {"color": {"primaryColor": "#fff"}},
        {"branding": {"logoUrl": "not a url"}},
        {"termsOfUseUrl": "nope"},
        {"supportEmail": "not-an-email"},
        {"signInMode": "Anything"},
        {"signUp": {"identifiers": ["fax"], "password": True, "verify": False}},
        {"signIn": {"methods": [{"identifier": "username"}]}},
        {"mfa": {"factors": ["Sms"], "policy": "UserControlled"}},
        {"languageInfo": {"autoDetect": True, "fallbackLanguage": "xx-NOPE"}},
        {"passwordPolicy": {"characterTypes": {"min": 5}}},
        {"passwordPolicy": {"length": {"min": 0}}},
        {"verificationCodePolicy": {"expirationDuration": 10}},
        {"usernamePolicy": {"caseSensitive": True, "minLength": 5, "maxLength": 2, "allowedChars": {
            "lowercase": True, "uppercase": True, "numbers": True, "underscore": True}}},
        {"usernamePolicy": {"caseSensitive": True, "minLength": 1, "maxLength": 2, "allowedChars": {
            "lowercase": False, "uppercase": False, "numbers": True, "underscore": False}}},
        {"passwordExpiration": {"enabled": True}},
        {"mfa": None},
        {"socialSignInConnectorTargets": "github"},
        {"customContent": {"a": 1}},
    ],
)
def test_patch_bad_input(api: httpx.Client, body: dict) -> None:  # type: ignore[type-arg]
    _error(api.patch("/api/sign-in-exp", json=body), 400, "guard.invalid_input")


def test_patch_not_an_object(api: httpx.Client) -> None:
    _error(api.patch("/api/sign-in-exp", content=b"[1]"), 400, "guard.invalid_input")
    _error(api.patch("/api/sign-in-exp", content=b"{"), 400, "guard.invalid_input")


def test_language_must_have_phrases(api: httpx.Client) -> None:
    body = _error(
        api.patch("/api/sign-in-exp", json={"languageInfo": {"autoDetect": False, "fallbackLanguage": "af-ZA"}}),
        400,
        "sign_in_experiences.unsupported_default_language",
    )
    assert "af-ZA" in body["message"]
    res = api.patch("/api/sign-in-exp", json={"languageInfo": {"autoDetect": False, "fallbackLanguage": "de"}})
    assert res.status_code == 200 and res.json()["languageInfo"]["fallbackLanguage"] == "de"
    # a custom phrase makes its language selectable
    assert api.put("/api/custom-phrases/af-ZA", json={"input": {"username": "Gebruikersnaam"}}).status_code == 201
    res = api.patch("/api/sign-in-exp", json={"languageInfo": {"autoDetect": True, "fallbackLanguage": "af-ZA"}})
    assert res.status_code == 200
    # ...and can no longer be deleted
    _error(api.delete("/api/custom-phrases/af-ZA"), 409, "localization.cannot_delete_default_language")
    api.patch("/api/sign-in-exp", json={"languageInfo": {"autoDetect": True, "fallbackLanguage": "en"}})
    assert api.delete("/api/custom-phrases/af-ZA").status_code == 204


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"signUp": {"identifiers": ["email"], "password": True, "verify": True}}, "enabled_connector_not_found"),
        ({"signUp": {"identifiers": ["email"], "password": True, "verify": False}}, "passwordless_requires_verify"),
        ({"signUp": {"identifiers": ["username", "username"], "password": True, "verify": False}},
         "duplicated_sign_up_identifiers"),
        ({"signUp": {"identifiers": [], "password": True, "verify": False,
                     "secondaryIdentifiers": [{"identifier": "username"}]}}, "missing_sign_up_identifiers"),
        ({"signUp": {"identifiers": ["username"], "password": True, "verify": False,
                     "secondaryIdentifiers": [{"identifier": "username"}]}}, "duplicated_sign_up_identifiers"),
        ({"signIn": {"methods": [{"identifier": "username", "password": False, "verificationCode": False,
                                  "isPasswordPrimary": True}]}}, "at_least_one_authentication_factor"),
        ({"signIn": {"methods": [{"identifier": "email", "password": False, "verificationCode": True,
                                  "isPasswordPrimary": False}]}}, "enabled_connector_not_found"),
        ({"mfa": {"factors": ["Totp", "Totp"], "policy": "UserControlled"}}, "duplicated_mfa_factors"),
        ({"mfa": {"factors": ["BackupCode"], "policy": "UserControlled"}}, "backup_code_cannot_be_enabled_alone"),
        ({"forgotPasswordMethods": ["EmailVerificationCode"]}, "forgot_password_method_requires_connector"),
        ({"emailBlocklistPolicy": {"customBlocklist": ["@example.com", "bad entry"]}},
         "invalid_custom_email_blocklist_format"),
    ],
)
def test_consistency_rules(api: httpx.Client, body: dict, code: str) -> None:  # type: ignore[type-arg]
    before = api.get("/api/sign-in-exp").json()
    _error(api.patch("/api/sign-in-exp", json=body), 400, f"sign_in_experiences.{code}")
    assert api.get("/api/sign-in-exp").json() == before  # nothing written


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"adaptiveMfa": {"enabled": True}}, "adaptive_mfa_requires_mfa"),
        ({"mfa": {"factors": ["Totp"], "policy": "PromptOnlyAtSignInMandatory"}},
         "non_adaptive_mfa_requires_skippable_policy"),
        ({"mfa": {"factors": ["Totp"], "policy": "UserControlled"}, "adaptiveMfa": {"enabled": True}},
         "adaptive_mfa_requires_non_skippable_policy"),
        ({"passwordExpiration": {"enabled": True, "validPeriodDays": 90}}, "password_expiration_requires_forgot_password"),
    ],
)
def test_422_rules(api: httpx.Client, body: dict, code: str) -> None:  # type: ignore[type-arg]
    _error(api.patch("/api/sign-in-exp", json=body), 422, f"sign_in_experiences.{code}")


def test_mfa_and_adaptive(api: httpx.Client) -> None:
    res = api.patch("/api/sign-in-exp", json={"mfa": {"factors": ["Totp", "BackupCode"], "policy": "NoPrompt"}})
    assert res.status_code == 200 and res.json()["mfa"]["factors"] == ["Totp", "BackupCode"]
    res = api.patch(
        "/api/sign-in-exp",
        json={"mfa": {"factors": ["Totp"], "policy": "PromptOnlyAtSignInMandatory"}, "adaptiveMfa": {"enabled": True}},
    )
    assert res.status_code == 200 and res.json()["adaptiveMfa"] == {"enabled": True}
    # Turning MFA off resets adaptive MFA when the body leaves it out.
    res = api.patch("/api/sign-in-exp", json={"mfa": {"factors": [], "policy": "UserControlled"}})
    assert res.status_code == 200 and res.json()["adaptiveMfa"] == {"enabled": False}


def test_oss_only_refusals(api: httpx.Client) -> None:
    body = _error(api.patch("/api/sign-in-exp", json={"hideLogtoBranding": True}), 400, "request.invalid_input")
    assert "not supported" in body["message"]
    _error(api.patch("/api/sign-in-exp", json={"customUiCsp": {"scriptSrc": ["https://cdn.example"]}}), 400,
           "request.invalid_input")
    _error(api.patch("/api/sign-in-exp", json={"emailBlocklistPolicy": {"blockDisposableAddresses": True}}), 400,
           "request.invalid_input")
    res = api.patch("/api/sign-in-exp", json={"emailBlocklistPolicy": {
        "blockSubaddressing": True, "customBlocklist": ["@spam.example", "@spam.example", "x*@a.example"]}})
    assert res.status_code == 200
    assert res.json()["emailBlocklistPolicy"]["customBlocklist"] == ["@spam.example", "x*@a.example"]


def test_social_targets_without_connectors_are_dropped(api: httpx.Client) -> None:
    res = api.patch("/api/sign-in-exp", json={"socialSignInConnectorTargets": ["github", "google"]})
    assert res.status_code == 200 and res.json()["socialSignInConnectorTargets"] == []


def test_password_expiration_off(api: httpx.Client) -> None:
    res = api.patch("/api/sign-in-exp", json={"passwordExpiration": {"enabled": False, "validPeriodDays": 3}})
    assert res.status_code == 200 and res.json()["passwordExpiration"] == {"enabled": False}


def test_username_case_conflicts(api: httpx.Client) -> None:
    res = api.get("/api/sign-in-exp/username-policy/case-sensitivity-conflicts")
    assert res.status_code == 200 and res.json() == {"totalConflicts": 0, "samples": []}
    ids = [api.post("/api/users", json={"username": name}).json()["id"] for name in ("CaseAlice", "casealice")]
    res = api.get("/api/sign-in-exp/username-policy/case-sensitivity-conflicts", params={"limit": 5})
    assert res.json() == {"totalConflicts": 1, "samples": [{"usernameLower": "casealice", "userIds": ids}]}
    for bad in ("0", "101", "x"):
        _error(api.get("/api/sign-in-exp/username-policy/case-sensitivity-conflicts", params={"limit": bad}), 400,
               "guard.invalid_input")
    policy = {"caseSensitive": False, "minLength": 1, "maxLength": 128,
              "allowedChars": {"lowercase": True, "uppercase": True, "numbers": True, "underscore": True}}
    body = _error(api.patch("/api/sign-in-exp", json={"usernamePolicy": policy}), 409,
                  "sign_in_experiences.username_policy_case_conflicts_exist")
    assert body["data"]["totalConflicts"] == 1
    assert api.delete(f"/api/users/{ids[1]}").status_code == 204
    res = api.patch("/api/sign-in-exp", json={"usernamePolicy": policy})
    assert res.status_code == 200 and res.json()["usernamePolicy"]["caseSensitive"] is False


def test_custom_ui_assets_needs_storage(api: httpx.Client) -> None:
    res = api.post("/api/sign-in-exp/default/custom-ui-assets", files={"file": ("a.zip", b"PK", "application/zip")})
    _error(res, 400, "storage.not_configured")
    _error(api.post("/api/sign-in-exp/default/custom-ui-assets", json={}), 400, "guard.invalid_input")


def test_requires_auth(own_server: Server) -> None:
    assert httpx.get(f"{own_server.base_url}/api/sign-in-exp").status_code == 401
