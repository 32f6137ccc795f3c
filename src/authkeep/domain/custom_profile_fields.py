"""Custom profile fields: Logto's per-type guards and `validateCustomProfileFieldData`."""

from __future__ import annotations

import re
from typing import Any

from authkeep.errors import LogtoError

TYPES = ("Text", "Number", "Date", "Checkbox", "Select", "Url", "Regex", "Address", "Fullname")
ADDRESS_KEYS = ("formatted", "streetAddress", "locality", "region", "postalCode", "country")
FULLNAME_KEYS = ("givenName", "middleName", "familyName")
_NAME = re.compile(r"^[\dA-Za-z]+$")
_RESERVED_PROFILE = {"preferredUsername"}
_RESERVED_CUSTOM_DATA = {
    "userOnboarding", "ossUserOnboarding", "guideRequests", "consoleUserPreference", "defaultTenantId",
}
_RESERVED_IDENTIFIERS = {"username", "primaryEmail", "primaryPhone", "email", "phone"}


def _bad(message: str) -> LogtoError:
    return LogtoError("guard.invalid_input", 400, type="body", details=message)


def _fail(code: str, **params: Any) -> LogtoError:
    return LogtoError(f"custom_profile_fields.{code}", 400, **params)


def _kind(value: Any, kind: type | tuple[type, ...], where: str, optional: bool = True) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) and kind is not bool:
        raise _bad(f'Error in key path "{where}": Expected {getattr(kind, "__name__", kind)}.')
    if not isinstance(value, kind):
        raise _bad(f'Error in key path "{where}": Invalid type.')


def _number(value: Any, where: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise _bad(f'Error in key path "{where}": Expected number.')


def parse(data: Any, with_name: bool = True) -> dict[str, Any]:
    """The guard step: shapes and types, unknown keys dropped. Returns the clean field."""
    if not isinstance(data, dict):
        raise _bad('Error in key path "": Expected object.')
    ftype = data.get("type")
    if ftype not in TYPES:
        raise _bad('Error in key path "type": Invalid discriminator value.')
    out: dict[str, Any] = {"type": ftype}
    if with_name:
        _kind(data.get("name"), str, "name", optional=False)
        out["name"] = data["name"]
    _kind(data.get("label"), str, "label")
    if isinstance(data.get("label"), str) and not data["label"]:
        raise _bad('Error in key path "label": String must contain at least 1 character(s).')
    if ftype != "Checkbox":
        _kind(data.get("description"), str, "description")
    _kind(data.get("required"), bool, "required", optional=False)
    if ftype == "Checkbox" and data["required"] is not False:
        raise _bad('Error in key path "required": Invalid literal value, expected false.')
    for key in ("label", "description", "required"):
        if data.get(key) is not None and not (key == "description" and ftype == "Checkbox"):
            out[key] = data[key]
    config = data.get("config")
    needs_config = ftype in ("Select", "Regex", "Address", "Fullname")
    if config is None:
        if needs_config:
            raise _bad('Error in key path "config": Required.')
        return out
    _kind(config, dict, "config", optional=False)
    out["config"] = _config(ftype, config)
    return out


def _config(ftype: str, config: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _kind(config.get("placeholder"), str, "config.placeholder")
    if config.get("placeholder") is not None:
        out["placeholder"] = config["placeholder"]
    numeric = {"Text": ("minLength", "maxLength"), "Number": ("minValue", "maxValue")}.get(ftype, ())
    for key in numeric:
        _number(config.get(key), f"config.{key}")
        if config.get(key) is not None:
            out[key] = config[key]
    if ftype in ("Date", "Regex"):
        _kind(config.get("format"), str, "config.format", optional=False)
        out["format"] = config["format"]
    if ftype == "Date" and config.get("customFormat") is not None:
        _kind(config["customFormat"], str, "config.customFormat")
        out["customFormat"] = config["customFormat"]
    if ftype == "Checkbox":
        if config.get("defaultValue") not in ("true", "false"):
            raise _bad('Error in key path "config.defaultValue": Invalid literal value.')
        out = {"defaultValue": config["defaultValue"]}
    if ftype == "Select":
        options = config.get("options")
        if not isinstance(options, list) or not all(
            isinstance(o, dict) and isinstance(o.get("value"), str) and isinstance(o.get("label", ""), str)
            for o in options
        ):
            raise _bad('Error in key path "config.options": Expected array of {label?, value}.')
        out["options"] = [{k: o[k] for k in ("label", "value") if k in o} for o in options]
    if ftype in ("Address", "Fullname"):
        keys = ADDRESS_KEYS if ftype == "Address" else FULLNAME_KEYS
        parts = config.get("parts")
        if not isinstance(parts, list):
            raise _bad('Error in key path "config.parts": Expected array.')
        out["parts"] = [_part(p, keys, i) for i, p in enumerate(parts)]
    return out


def _part(part: Any, keys: tuple[str, ...], index: int) -> dict[str, Any]:
    """Logto's `fieldPartGuard`: any type, the base config keys all optional."""
    where = f"config.parts.{index}"
    if not isinstance(part, dict) or part.get("name") not in keys:
        raise _bad(f'Error in key path "{where}.name": Invalid enum value.')
    if part.get("type") not in TYPES:
        raise _bad(f'Error in key path "{where}.type": Invalid enum value.')
    _kind(part.get("enabled"), bool, f"{where}.enabled", optional=False)
    _kind(part.get("required"), bool, f"{where}.required", optional=False)
    out = {k: part[k] for k in ("enabled", "name", "type", "required")}
    for key in ("label", "description"):
        _kind(part.get(key), str, f"{where}.{key}")
        if part.get(key) is not None:
            out[key] = part[key]
    config = part.get("config")
    if config is not None:
        _kind(config, dict, f"{where}.config", optional=False)
        clean = {}
        for key in ("placeholder", "format", "customFormat", "defaultValue"):
            _kind(config.get(key), str, f"{where}.config.{key}")
        for key in ("minLength", "maxLength", "minValue", "maxValue"):
            _number(config.get(key), f"{where}.config.{key}")
        for key in ("placeholder", "format", "customFormat", "defaultValue", "minLength", "maxLength",
                    "minValue", "maxValue", "options"):
            if config.get(key) is not None:
                clean[key] = config[key]
        out["config"] = clean
    return out


def validate(field: dict[str, Any], strict: bool = False) -> None:
    """Logto's rules after the guard (`strict` on update)."""
    name, ftype, config = field["name"], field["type"], field.get("config") or {}
    if not _NAME.match(name):
        raise _fail("invalid_name")
    if name in _RESERVED_PROFILE:
        raise _fail("name_conflict_built_in_prop", name=name)
    if name in _RESERVED_CUSTOM_DATA:
        raise _fail("name_conflict_custom_data", name=name)
    if name in _RESERVED_IDENTIFIERS:
        raise _fail("name_conflict_sign_in_identifier", name=name)
    low, high = {"Text": ("minLength", "maxLength"), "Number": ("minValue", "maxValue")}.get(ftype, ("", ""))
    if low and config.get(low) is not None and config.get(high) is not None and config[low] > config[high]:
        raise _fail("invalid_min_max_input")
    if strict and ftype == "Checkbox" and config.get("defaultValue") is None:
        raise _fail("invalid_default_value")
    if strict and ftype == "Select" and not config.get("options"):
        raise _fail("invalid_options")
    if strict and ftype == "Regex":
        try:
            re.compile(config["format"])
        except re.error:
            raise _fail("invalid_regex_format") from None
    if ftype in ("Address", "Fullname"):
        if not config.get("parts"):
            raise _fail("invalid_address_components" if ftype == "Address" else "invalid_fullname_components")
        if any(p["type"] in ("Address", "Fullname") for p in config["parts"]):
            raise _fail("invalid_sub_component_type")
        if strict:
            for part in config["parts"]:
                validate({**part, "name": part["name"]}, strict=True)
