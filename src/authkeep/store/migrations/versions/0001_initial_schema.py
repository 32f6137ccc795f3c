"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 19:09:13.059669
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tenants',
    sa.Column('id', sa.String(length=21), nullable=False),
    sa.Column('name', sa.String(length=128), server_default='My Project', nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants'))
    )
    op.create_table('applications',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('id', sa.String(length=21), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('oidc_client_metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('custom_client_metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('protected_app_metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('custom_data', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('is_third_party', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('app_level_access_control_enabled', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_applications_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_tenant_id_created_at'), ['tenant_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_tenant_id_type'), ['tenant_id', 'type'], unique=False)

    op.create_table('organization_roles',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('id', sa.String(length=21), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('description', sa.String(length=256), nullable=True),
    sa.Column('type', sa.String(length=32), server_default='User', nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organization_roles_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_roles')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_organization_roles_tenant_id_name'))
    )
    op.create_table('organization_scopes',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('id', sa.String(length=21), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('description', sa.String(length=256), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organization_scopes_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_scopes')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_organization_scopes_tenant_id_name'))
    )
    op.create_table('organizations',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('id', sa.String(length=21), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('description', sa.String(length=256), nullable=True),
    sa.Column('custom_data', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('is_mfa_required', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('color', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('branding', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('custom_css', sa.Text(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organizations_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations'))
    )
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizations_tenant_id_created_at'), ['tenant_id', 'created_at'], unique=False)

    op.create_table('resources',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('id', sa.String(length=21), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('indicator', sa.Text(), nullable=False),
    sa.Column('is_default', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('access_token_ttl', sa.BigInteger(), server_default=sa.text('(3600)'), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_resources_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources')),
    sa.UniqueConstraint('tenant_id', 'indicator', name=op.f('uq_resources_tenant_id_indicator'))
    )
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.create_index('uq_resources_default', ['tenant_id'], unique=True, postgresql_where=sa.text('is_default = true'), sqlite_where=sa.text('is_default = 1'))

    op.create_table('roles',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('id', sa.String(length=21), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('description', sa.String(length=128), nullable=False),
    sa.Column('type', sa.String(length=32), server_default='User', nullable=False),
    sa.Column('is_default', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_roles_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roles')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_roles_tenant_id_name'))
    )
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roles_tenant_id_type'), ['tenant_id', 'type'], unique=False)

    op.create_table('signing_keys',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('id', sa.String(length=21), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('algorithm', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('encrypted_value', sa.Text(), nullable=False),
    sa.Column('public_jwk', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('effective_at', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_signing_keys_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_keys'))
    )
    with op.batch_alter_table('signing_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_keys_tenant_id_kind'), ['tenant_id', 'kind'], unique=False)

    op.create_table('system_settings',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_system_settings_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'key', name=op.f('pk_system_settings'))
    )
    op.create_table('users',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('username', sa.String(length=128), nullable=True),
    sa.Column('primary_email', sa.String(length=128), nullable=True),
    sa.Column('primary_phone', sa.String(length=128), nullable=True),
    sa.Column('password_encrypted', sa.String(length=256), nullable=True),
    sa.Column('password_encryption_method', sa.String(length=32), nullable=True),
    sa.Column('name', sa.String(length=128), nullable=True),
    sa.Column('avatar', sa.String(length=2048), nullable=True),
    sa.Column('profile', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('application_id', sa.String(length=21), nullable=True),
    sa.Column('identities', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('custom_data', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('logto_config', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('mfa_verifications', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('is_suspended', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('is_password_expired', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('last_sign_in_at', sa.BigInteger(), nullable=True),
    sa.Column('password_updated_at', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_users_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('tenant_id', 'primary_email', name=op.f('uq_users_tenant_id_primary_email')),
    sa.UniqueConstraint('tenant_id', 'primary_phone', name=op.f('uq_users_tenant_id_primary_phone')),
    sa.UniqueConstraint('tenant_id', 'username', name=op.f('uq_users_tenant_id_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_tenant_id_created_at'), ['tenant_id', 'created_at'], unique=False)

    op.create_table('application_access_rules',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('application_id', sa.String(length=21), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.String(length=21), nullable=False),
    sa.Column('organization_id', sa.String(length=21), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_access_rules_application_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_application_access_rules_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'application_id', 'kind', 'target_id', 'organization_id', name=op.f('pk_application_access_rules'))
    )
    op.create_table('application_secrets',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('application_id', sa.String(length=21), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_secrets_application_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_application_secrets_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'application_id', 'name', name=op.f('pk_application_secrets'))
    )
    op.create_table('application_sign_in_experiences',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('application_id', sa.String(length=21), nullable=False),
    sa.Column('color', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('branding', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('custom_css', sa.Text(), nullable=True),
    sa.Column('terms_of_use_url', sa.String(length=2048), nullable=True),
    sa.Column('privacy_policy_url', sa.String(length=2048), nullable=True),
    sa.Column('display_name', sa.String(length=256), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_sign_in_experiences_application_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_application_sign_in_experiences_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('application_id', name=op.f('pk_application_sign_in_experiences'))
    )
    op.create_table('application_user_consent_organization_scopes',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('application_id', sa.String(length=21), nullable=False),
    sa.Column('organization_scope_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_user_consent_organization_scopes_application_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_scope_id'], ['organization_scopes.id'], name=op.f('fk_application_user_consent_organization_scopes_organization_scope_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_application_user_consent_organization_scopes_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'application_id', 'organization_scope_id', name=op.f('pk_application_user_consent_organization_scopes'))
    )
    op.create_table('application_user_consent_organizations',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('application_id', sa.String(length=21), nullable=False),
    sa.Column('user_id', sa.String(length=21), nullable=False),
    sa.Column('organization_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_user_consent_organizations_application_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_application_user_consent_organizations_organization_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_application_user_consent_organizations_tenant_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_application_user_consent_organizations_user_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'application_id', 'user_id', 'organization_id', name=op.f('pk_application_user_consent_organizations'))
    )
    op.create_table('application_user_consent_user_scopes',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('application_id', sa.String(length=21), nullable=False),
    sa.Column('user_scope', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_user_consent_user_scopes_application_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_application_user_consent_user_scopes_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'application_id', 'user_scope', name=op.f('pk_application_user_consent_user_scopes'))
    )
    op.create_table('applications_roles',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('id', sa.String(length=21), nullable=False),
    sa.Column('application_id', sa.String(length=21), nullable=False),
    sa.Column('role_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_applications_roles_application_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_id'], ['roles.id'], name=op.f('fk_applications_roles_role_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_applications_roles_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications_roles')),
    sa.UniqueConstraint('tenant_id', 'application_id', 'role_id', name=op.f('uq_applications_roles_tenant_id_application_id_role_id'))
    )
    with op.batch_alter_table('applications_roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_roles_role_id'), ['role_id'], unique=False)

    op.create_table('organization_application_relations',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('organization_id', sa.String(length=21), nullable=False),
    sa.Column('application_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_organization_application_relations_application_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_application_relations_organization_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organization_application_relations_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'organization_id', 'application_id', name=op.f('pk_organization_application_relations'))
    )
    with op.batch_alter_table('organization_application_relations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_application_relations_tenant_id_application_id'), ['tenant_id', 'application_id'], unique=False)

    op.create_table('organization_invitations',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('id', sa.String(length=21), nullable=False),
    sa.Column('inviter_id', sa.String(length=21), nullable=True),
    sa.Column('invitee', sa.String(length=256), nullable=False),
    sa.Column('accepted_user_id', sa.String(length=21), nullable=True),
    sa.Column('organization_id', sa.String(length=21), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['accepted_user_id'], ['users.id'], name=op.f('fk_organization_invitations_accepted_user_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inviter_id'], ['users.id'], name=op.f('fk_organization_invitations_inviter_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_invitations_organization_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organization_invitations_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_invitations'))
    )
    with op.batch_alter_table('organization_invitations', schema=None) as batch_op:
        batch_op.create_index('uq_organization_invitations_pending', ['tenant_id', 'invitee', 'organization_id'], unique=True, postgresql_where=sa.text("status = 'Pending'"), sqlite_where=sa.text("status = 'Pending'"))

    op.create_table('organization_jit_email_domains',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('organization_id', sa.String(length=21), nullable=False),
    sa.Column('email_domain', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_jit_email_domains_organization_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organization_jit_email_domains_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'organization_id', 'email_domain', name=op.f('pk_organization_jit_email_domains'))
    )
    op.create_table('organization_jit_roles',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('organization_id', sa.String(length=21), nullable=False),
    sa.Column('organization_role_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_jit_roles_organization_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_role_id'], ['organization_roles.id'], name=op.f('fk_organization_jit_roles_organization_role_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organization_jit_roles_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'organization_id', 'organization_role_id', name=op.f('pk_organization_jit_roles'))
    )
    op.create_table('organization_role_application_relations',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('organization_id', sa.String(length=21), nullable=False),
    sa.Column('organization_role_id', sa.String(length=21), nullable=False),
    sa.Column('application_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_organization_role_application_relations_application_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_role_application_relations_organization_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_role_id'], ['organization_roles.id'], name=op.f('fk_organization_role_application_relations_organization_role_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organization_role_application_relations_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'organization_id', 'organization_role_id', 'application_id', name=op.f('pk_organization_role_application_relations'))
    )
    with op.batch_alter_table('organization_role_application_relations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_role_application_relations_tenant_id_organization_id_application_id'), ['tenant_id', 'organization_id', 'application_id'], unique=False)

    op.create_table('organization_role_scope_relations',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('organization_role_id', sa.String(length=21), nullable=False),
    sa.Column('organization_scope_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['organization_role_id'], ['organization_roles.id'], name=op.f('fk_organization_role_scope_relations_organization_role_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_scope_id'], ['organization_scopes.id'], name=op.f('fk_organization_role_scope_relations_organization_scope_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organization_role_scope_relations_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'organization_role_id', 'organization_scope_id', name=op.f('pk_organization_role_scope_relations'))
    )
    op.create_table('organization_role_user_relations',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('organization_id', sa.String(length=21), nullable=False),
    sa.Column('organization_role_id', sa.String(length=21), nullable=False),
    sa.Column('user_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_role_user_relations_organization_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_role_id'], ['organization_roles.id'], name=op.f('fk_organization_role_user_relations_organization_role_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organization_role_user_relations_tenant_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_organization_role_user_relations_user_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'organization_id', 'organization_role_id', 'user_id', name=op.f('pk_organization_role_user_relations'))
    )
    with op.batch_alter_table('organization_role_user_relations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_role_user_relations_tenant_id_organization_id_user_id'), ['tenant_id', 'organization_id', 'user_id'], unique=False)

    op.create_table('organization_user_relations',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('organization_id', sa.String(length=21), nullable=False),
    sa.Column('user_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_user_relations_organization_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organization_user_relations_tenant_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_organization_user_relations_user_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'organization_id', 'user_id', name=op.f('pk_organization_user_relations'))
    )
    with op.batch_alter_table('organization_user_relations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_user_relations_tenant_id_user_id'), ['tenant_id', 'user_id'], unique=False)

    op.create_table('scopes',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('id', sa.String(length=21), nullable=False),
    sa.Column('resource_id', sa.String(length=21), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_scopes_resource_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_scopes_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scopes')),
    sa.UniqueConstraint('tenant_id', 'resource_id', 'name', name=op.f('uq_scopes_tenant_id_resource_id_name'))
    )
    op.create_table('users_roles',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('id', sa.String(length=21), nullable=False),
    sa.Column('user_id', sa.String(length=21), nullable=False),
    sa.Column('role_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['roles.id'], name=op.f('fk_users_roles_role_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_users_roles_tenant_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_users_roles_user_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users_roles')),
    sa.UniqueConstraint('tenant_id', 'user_id', 'role_id', name=op.f('uq_users_roles_tenant_id_user_id_role_id'))
    )
    with op.batch_alter_table('users_roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_roles_role_id'), ['role_id'], unique=False)

    op.create_table('application_user_consent_organization_resource_scopes',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('application_id', sa.String(length=21), nullable=False),
    sa.Column('scope_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_user_consent_organization_resource_scopes_application_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scope_id'], ['scopes.id'], name=op.f('fk_application_user_consent_organization_resource_scopes_scope_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_application_user_consent_organization_resource_scopes_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'application_id', 'scope_id', name=op.f('pk_application_user_consent_organization_resource_scopes'))
    )
    op.create_table('application_user_consent_resource_scopes',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('application_id', sa.String(length=21), nullable=False),
    sa.Column('scope_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_user_consent_resource_scopes_application_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scope_id'], ['scopes.id'], name=op.f('fk_application_user_consent_resource_scopes_scope_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_application_user_consent_resource_scopes_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'application_id', 'scope_id', name=op.f('pk_application_user_consent_resource_scopes'))
    )
    op.create_table('organization_invitation_role_relations',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('organization_invitation_id', sa.String(length=21), nullable=False),
    sa.Column('organization_role_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['organization_invitation_id'], ['organization_invitations.id'], name=op.f('fk_organization_invitation_role_relations_organization_invitation_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_role_id'], ['organization_roles.id'], name=op.f('fk_organization_invitation_role_relations_organization_role_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organization_invitation_role_relations_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'organization_invitation_id', 'organization_role_id', name=op.f('pk_organization_invitation_role_relations'))
    )
    op.create_table('organization_role_resource_scope_relations',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('organization_role_id', sa.String(length=21), nullable=False),
    sa.Column('scope_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['organization_role_id'], ['organization_roles.id'], name=op.f('fk_organization_role_resource_scope_relations_organization_role_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scope_id'], ['scopes.id'], name=op.f('fk_organization_role_resource_scope_relations_scope_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organization_role_resource_scope_relations_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'organization_role_id', 'scope_id', name=op.f('pk_organization_role_resource_scope_relations'))
    )
    op.create_table('roles_scopes',
    sa.Column('tenant_id', sa.String(length=21), nullable=False),
    sa.Column('id', sa.String(length=21), nullable=False),
    sa.Column('role_id', sa.String(length=21), nullable=False),
    sa.Column('scope_id', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['roles.id'], name=op.f('fk_roles_scopes_role_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scope_id'], ['scopes.id'], name=op.f('fk_roles_scopes_scope_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_roles_scopes_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roles_scopes')),
    sa.UniqueConstraint('tenant_id', 'role_id', 'scope_id', name=op.f('uq_roles_scopes_tenant_id_role_id_scope_id'))
    )
    with op.batch_alter_table('roles_scopes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roles_scopes_scope_id'), ['scope_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('roles_scopes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roles_scopes_scope_id'))

    op.drop_table('roles_scopes')
    op.drop_table('organization_role_resource_scope_relations')
    op.drop_table('organization_invitation_role_relations')
    op.drop_table('application_user_consent_resource_scopes')
    op.drop_table('application_user_consent_organization_resource_scopes')
    with op.batch_alter_table('users_roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_roles_role_id'))

    op.drop_table('users_roles')
    op.drop_table('scopes')
    with op.batch_alter_table('organization_user_relations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_user_relations_tenant_id_user_id'))

    op.drop_table('organization_user_relations')
    with op.batch_alter_table('organization_role_user_relations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_role_user_relations_tenant_id_organization_id_user_id'))

    op.drop_table('organization_role_user_relations')
    op.drop_table('organization_role_scope_relations')
    with op.batch_alter_table('organization_role_application_relations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_role_application_relations_tenant_id_organization_id_application_id'))

    op.drop_table('organization_role_application_relations')
    op.drop_table('organization_jit_roles')
    op.drop_table('organization_jit_email_domains')
    with op.batch_alter_table('organization_invitations', schema=None) as batch_op:
        batch_op.drop_index('uq_organization_invitations_pending', postgresql_where=sa.text("status = 'Pending'"), sqlite_where=sa.text("status = 'Pending'"))

    op.drop_table('organization_invitations')
    with op.batch_alter_table('organization_application_relations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_application_relations_tenant_id_application_id'))

    op.drop_table('organization_application_relations')
    with op.batch_alter_table('applications_roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_roles_role_id'))

    op.drop_table('applications_roles')
    op.drop_table('application_user_consent_user_scopes')
    op.drop_table('application_user_consent_organizations')
    op.drop_table('application_user_consent_organization_scopes')
    op.drop_table('application_sign_in_experiences')
    op.drop_table('application_secrets')
    op.drop_table('application_access_rules')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_tenant_id_created_at'))

    op.drop_table('users')
    op.drop_table('system_settings')
    with op.batch_alter_table('signing_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_keys_tenant_id_kind'))

    op.drop_table('signing_keys')
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roles_tenant_id_type'))

    op.drop_table('roles')
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_index('uq_resources_default', postgresql_where=sa.text('is_default = true'), sqlite_where=sa.text('is_default = 1'))

    op.drop_table('resources')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizations_tenant_id_created_at'))

    op.drop_table('organizations')
    op.drop_table('organization_scopes')
    op.drop_table('organization_roles')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_tenant_id_type'))
        batch_op.drop_index(batch_op.f('ix_applications_tenant_id_created_at'))

    op.drop_table('applications')
    op.drop_table('tenants')
