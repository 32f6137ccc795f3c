"""Custom domains (Logto tag "Domains") as Logto OSS answers them. Logto Cloud backs custom domains
with Cloudflare (SystemContext.hostnameProviderConfig); without it no domain can be added, so the
list is empty, a lookup is a 404, and what needs the provider (add, delete, cleanup) is
400 `domain.not_configured`, after the same input checks. docs/compatibility.md says so."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.errors import LogtoError, not_exists_with_id

router = ApiRouter(policy="management", family="configs")
_ROOT_FILE = re.compile(r"^/[\w-][\w.-]*\.[\w-][\w.-]*$", re.ASCII)
_WELL_KNOWN = re.compile(r"^/\.well-known(?:/[\w-][\w.-]*)+$", re.ASCII)


class DomainCreate(web.Body):
    domain: Annotated[str, Field(min_length=1, max_length=256)]


class Cleanup(web.Body):
    stale_days: Annotated[int | float, Field(gt=0, allow_inf_nan=False)] = Field(alias="staleDays")

    @field_validator("stale_days")
    @classmethod
    def _integer(cls, value: float) -> float:
        if value != int(value):
            raise ValueError("Expected integer, received float")
        return value


class VerificationFile(web.Body):
    path: Annotated[str, Field(min_length=1, max_length=256)]
    content: Annotated[str, Field(min_length=1, max_length=16 * 1024)]
    content_type: Literal["text/plain", "application/json"] = Field(alias="contentType")

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not (_ROOT_FILE.match(value) or _WELL_KNOWN.match(value)):
            raise ValueError(
                "The path must point to a file with an extension at the domain root or to a path under /.well-known/."
            )
        return value

    @model_validator(mode="after")
    def _json(self) -> VerificationFile:
        if self.content_type == "application/json":
            try:
                json.loads(self.content)
            except ValueError:
                raise ValueError("The content must be valid JSON for the application/json content type.") from None
        return self


class VerificationFiles(web.Body):
    verification_files: Annotated[list[VerificationFile], Field(max_length=10)] = Field(alias="verificationFiles")

    @field_validator("verification_files")
    @classmethod
    def _unique(cls, files: list[VerificationFile]) -> list[VerificationFile]:
        paths = [f.path for f in files]
        if len(set(paths)) != len(paths):
            raise ValueError("Verification file paths must be unique.")
        return files


def _not_configured() -> LogtoError:
    return LogtoError("domain.not_configured", 400)


def _missing(ctx: Ctx) -> LogtoError:
    # No domain can exist without the hostname provider: every id is unknown.
    return not_exists_with_id("domains", ctx.param("id"))


@router.get("/domains")
async def list_domains(ctx: Ctx) -> Any:
    return []


@router.post("/domains", body=DomainCreate)
async def create_domain(ctx: Ctx) -> Any:
    raise _not_configured()


@router.post("/domains/cleanup", body=Cleanup, status=200)
async def cleanup_domains(ctx: Ctx) -> Any:
    raise _not_configured()


@router.get("/domains/{id}")
async def get_domain(ctx: Ctx) -> Any:
    raise _missing(ctx)


@router.delete("/domains/{id}")
async def delete_domain(ctx: Ctx) -> None:
    raise _not_configured()  # Logto asks for the provider before looking the domain up


@router.get("/domains/{id}/verification-files")
async def get_verification_files(ctx: Ctx) -> Any:
    raise _missing(ctx)


@router.put("/domains/{id}/verification-files", body=VerificationFiles)
async def replace_verification_files(ctx: Ctx) -> Any:
    raise _missing(ctx)
