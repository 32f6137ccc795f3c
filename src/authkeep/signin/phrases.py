"""The page's words: a built-in English catalogue (Logto's experience phrases, only the keys these
pages use, under Logto's key paths so custom phrases override them) and the language pick."""

from __future__ import annotations

import re
from typing import Any

# Logto's packages/phrases-experience/src/locales/en, the keys these pages show.
EN: dict[str, Any] = {
    "action": {
        "sign_in": "Sign in",
        "continue": "Continue",
        "create_account": "Create account",
        "forgot_password": "Forgot your password?",
        "sign_in_via_passcode": "Sign in with verification code",
        "sign_in_via_password": "Sign in with password",
        "save_password": "Save password",
        "confirm": "Confirm",
        "cancel": "Cancel",
        "authorize": "Authorize",
        "use_another_account": "Use another account",
        "back": "Go back",
    },
    "input": {
        "username": "Username",
        "password": "Password",
        "email": "Email",
        "phone_number": "Phone number",
        "confirm_password": "Confirm password",
        "code": "Code",
    },
    "description": {
        "sign_in_to_your_account": "Sign in to your account",
        "create_your_account": "Create your account",
        "reset_password": "Reset password",
        "reset_password_magic_link_description": (
            "Enter the email address associated with your account to continue resetting your password."
        ),
        "new_password": "New password",
        "set_password": "Set password",
        "password_changed": "Password changed",
        "no_account": "No account yet? ",
        "have_account": "Already have an account?",
        "back_to_sign_in": "Back to sign in",
        "enter_passcode": "The verification code has been sent to your {{address}} {{target}}",
        "email": "email",
        "phone_number": "phone number",
        "link_email": "Link email",
        "link_email_description": "For added security, please link your email with the account.",
        "authorize_title": "Authorize {{name}}",
        "request_permission": "{{name}} is requesting access to:",
        "user_scopes": "Personal user data",
        "not_you": "Not you?",
        "redirect_to": "You will be redirected to {{name}}.",
        "terms_of_use": "Terms of Use",
        "privacy_policy": "Privacy Policy",
    },
    "mfa": {
        "enter_one_time_code": "Enter the one-time code",
        "enter_one_time_code_description": (
            "2-step verification has been enabled for this account. "
            "Please enter the one-time code shown on your linked authenticator app."
        ),
    },
    "user_scopes": {
        "descriptions": {
            "custom_data": "Your custom data",
            "email": "Your email address",
            "phone": "Your phone number",
            "profile": "Your name, username, avatar, and other profile info",
            "roles": "Your roles",
            "identities": "Your linked social identities",
            "urn:logto:scope:organizations": "Your organizations info",
            "urn:logto:scope:organization_roles": "Your organization roles",
            "address": "Your address",
            "urn:logto:scope:sessions": "Your active sessions",
            "urn:logto:scope:trusted_devices": "Your trusted devices",
        }
    },
    "error": {
        "something_went_wrong": "Something went wrong",
        "invalid_session": "Session not found. Please go back and sign in again.",
        "passwords_do_not_match": "Your passwords don’t match.",
        "password_required": "Password is required",
        "username_required": "Username is required",
        "general_required": "{{types, list(type: disjunction;)}} is required",
    },
}


def merge(base: dict[str, Any], over: Any) -> dict[str, Any]:
    """`base` with the strings of `over` laid on top; anything not a string or a mapping is ignored."""
    out = dict(base)
    if not isinstance(over, dict):
        return out
    for key, value in over.items():
        if isinstance(value, str) and value:
            out[key] = value
        elif isinstance(value, dict):
            out[key] = merge(out[key] if isinstance(out.get(key), dict) else {}, value)
    return out


_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class Phrases:
    def __init__(self, tree: dict[str, Any]) -> None:
        self.tree = tree

    def __call__(self, key: str, **params: str) -> str:
        """The phrase at a dotted key (the last segment may itself hold dots, as the scope names do)."""
        node: Any = self.tree
        parts = key.split(".")
        for index, part in enumerate(parts):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, dict) and ".".join(parts[index:]) in node:
                node = node[".".join(parts[index:])]
                break
            else:
                return key
        if not isinstance(node, str):
            return key
        return _VAR.sub(lambda m: params.get(m.group(1), m.group(0)), node)


def accepted(header: str) -> list[str]:
    """Accept-Language tags, best first."""
    ranked = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def pick(candidates: list[str], custom: list[str]) -> str:
    """The first candidate the page has words for: English (built in) or a custom-phrase language.
    Logto also ships ~20 built-in translations that authkeep does not, so a language with no
    custom phrases falls through to the next candidate instead of showing English under its tag."""
    supported = ["en", *custom]
    lowered = {t.lower(): t for t in supported}
    for tag in candidates:
        if tag.lower() in lowered:
            return lowered[tag.lower()]
        primary = tag.split("-")[0].lower()
        for known in supported:
            if known.lower().split("-")[0] == primary:
                return known
    return "en"
