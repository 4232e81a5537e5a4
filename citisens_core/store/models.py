"""The werkmap tables (SQLAlchemy 2 declarative models).

A werkmap owns everything it holds: its files (area data, survey, and resident
data only by explicit choice), its notes and their earlier versions. Every
child row refers to the werkmap with ``ON DELETE CASCADE``, so deleting a
werkmap deletes all of it, in the database itself and not only in the ORM.
The schema is created and changed only by the Alembic migrations beside this
module; ``tests/store`` checks that the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLE_AREAS = "gebieden"
ROLE_SURVEY = "enquete"
#: Resident data (consultation, panel): kept only when the user chose to keep it.
RESIDENT_ROLES = ("consultatie", "panel")
#: The files a werkmap can hold, one of each.
ROLES = (ROLE_AREAS, ROLE_SURVEY, *RESIDENT_ROLES)

#: Constraint names spelled out, so migrations can refer to them on every database.
NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
          "pk": "pk_%(table_name)s"}


def now() -> datetime:
    """The current time in UTC (stored with its zone where the database can)."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A timestamp that always comes back aware and in UTC (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must carry a time zone")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Werkmap(Base):
    """One workshop's workspace, reachable only through its unguessable id."""

    __tablename__ = "werkmap"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    naam: Mapped[str] = mapped_column(String(200))
    aangemaakt_op: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    bewerkt_op: Mapped[datetime] = mapped_column(UtcDateTime(), default=now, onupdate=now)
    #: The view and choices: level, colouring, selections, theme, phase, ladder step.
    toestand: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Consultation and panel data are kept only when the user chose so.
    bewaar_inwonersdata: Mapped[bool] = mapped_column(Boolean, default=False)

    bestanden: Mapped[list[Bestand]] = relationship(
        back_populates="werkmap", cascade="all, delete-orphan", passive_deletes=True)
    notities: Mapped[list[Notitie]] = relationship(
        back_populates="werkmap", cascade="all, delete-orphan", passive_deletes=True)


class Bestand(Base):
    """A file the werkmap keeps, one per role (``gebieden``, ``enquete``, ...)."""

    __tablename__ = "werkmap_bestand"
    __table_args__ = (UniqueConstraint("werkmap_id", "rol"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    werkmap_id: Mapped[str] = mapped_column(
        ForeignKey("werkmap.id", ondelete="CASCADE"), index=True)
    rol: Mapped[str] = mapped_column(String(20))
    naam: Mapped[str] = mapped_column(String(255))
    inhoud: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    #: Where the file came from, e.g. ``{"pdok": {"codes": [...], "jaar": 2024}}``.
    herkomst: Mapped[dict] = mapped_column(JSON, default=dict)
    opgeslagen_op: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)

    werkmap: Mapped[Werkmap] = relationship(back_populates="bestanden")


class Notitie(Base):
    """A note on an area (or a selection of areas) with optimistic versioning.

    ``versie`` is SQLAlchemy's version counter: an UPDATE only succeeds when
    nobody saved the note since it was read, so two editors never overwrite
    each other silently.
    """

    __tablename__ = "notitie"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    werkmap_id: Mapped[str] = mapped_column(
        ForeignKey("werkmap.id", ondelete="CASCADE"), index=True)
    niveau: Mapped[str] = mapped_column(String(20))
    #: Area codes joined with "+", sorted (one area or a selection).
    gebied: Mapped[str] = mapped_column(Text)
    tekst: Mapped[str] = mapped_column(Text)
    versie: Mapped[int] = mapped_column(Integer, nullable=False)
    aangemaakt_op: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    bewerkt_op: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)

    werkmap: Mapped[Werkmap] = relationship(back_populates="notities")
    versies: Mapped[list[NotitieVersie]] = relationship(
        back_populates="notitie", cascade="all, delete-orphan", passive_deletes=True,
        order_by="NotitieVersie.versie")

    # the store sets the next version itself (so imported notes keep their numbers);
    # SQLAlchemy still adds "WHERE versie = <as read>" to every UPDATE
    __mapper_args__: ClassVar[dict] = {"version_id_col": versie, "version_id_generator": False}


class NotitieVersie(Base):
    """Every saved text of a note, so an earlier version can always be read back."""

    __tablename__ = "notitie_versie"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notitie_id: Mapped[int] = mapped_column(
        ForeignKey("notitie.id", ondelete="CASCADE"), index=True)
    versie: Mapped[int] = mapped_column(Integer)
    tekst: Mapped[str] = mapped_column(Text)
    bewerkt_op: Mapped[datetime] = mapped_column(UtcDateTime())

    notitie: Mapped[Notitie] = relationship(back_populates="versies")
