"""Account API (`/api/my-account`, policy `end_user`): the signed-in user's own account, gated by
the account center settings, the token's scopes and identity verification (common.py)."""

from authkeep.api.account import identities, mfa, profile

ROUTERS = [profile.router, mfa.router, identities.router]
