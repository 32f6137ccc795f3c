"""What a management route handler receives."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import QueryParams
from starlette.requests import Request

from authkeep.auth.bearer import Principal
from authkeep.state import AppState, TenantState
from authkeep.store.db import Database


@dataclass
class Ctx:
    request: Request
    tenant: TenantState
    auth: Principal
    state: AppState

    @property
    def tenant_id(self) -> str:
        return self.tenant.id

    @property
    def db(self) -> Database:
        return self.state.db

    @property
    def query(self) -> QueryParams:
        return self.request.query_params

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])
