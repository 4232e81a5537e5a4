"""Werkmappen: werkmap, its files, notes and note versions.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "werkmap",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("naam", sa.String(200), nullable=False),
        sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bewerkt_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("toestand", sa.JSON(), nullable=False),
        sa.Column("bewaar_inwonersdata", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_werkmap")),
    )
    op.create_table(
        "werkmap_bestand",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("werkmap_id", sa.String(64), nullable=False),
        sa.Column("rol", sa.String(20), nullable=False),
        sa.Column("naam", sa.String(255), nullable=False),
        sa.Column("inhoud", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("herkomst", sa.JSON(), nullable=False),
        sa.Column("opgeslagen_op", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["werkmap_id"], ["werkmap.id"], ondelete="CASCADE",
                                name=op.f("fk_werkmap_bestand_werkmap_id_werkmap")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_werkmap_bestand")),
        sa.UniqueConstraint("werkmap_id", "rol", name=op.f("uq_werkmap_bestand_werkmap_id")),
    )
    op.create_index(op.f("ix_werkmap_bestand_werkmap_id"), "werkmap_bestand", ["werkmap_id"])
    op.create_table(
        "notitie",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("werkmap_id", sa.String(64), nullable=False),
        sa.Column("niveau", sa.String(20), nullable=False),
        sa.Column("gebied", sa.Text(), nullable=False),
        sa.Column("tekst", sa.Text(), nullable=False),
        sa.Column("versie", sa.Integer(), nullable=False),
        sa.Column("aangemaakt_op", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bewerkt_op", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["werkmap_id"], ["werkmap.id"], ondelete="CASCADE",
                                name=op.f("fk_notitie_werkmap_id_werkmap")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notitie")),
    )
    op.create_index(op.f("ix_notitie_werkmap_id"), "notitie", ["werkmap_id"])
    op.create_table(
        "notitie_versie",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notitie_id", sa.Integer(), nullable=False),
        sa.Column("versie", sa.Integer(), nullable=False),
        sa.Column("tekst", sa.Text(), nullable=False),
        sa.Column("bewerkt_op", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notitie_id"], ["notitie.id"], ondelete="CASCADE",
                                name=op.f("fk_notitie_versie_notitie_id_notitie")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notitie_versie")),
    )
    op.create_index(op.f("ix_notitie_versie_notitie_id"), "notitie_versie", ["notitie_id"])


def downgrade() -> None:
    op.drop_table("notitie_versie")
    op.drop_table("notitie")
    op.drop_table("werkmap_bestand")
    op.drop_table("werkmap")
