"""The store under test, once on SQLite and once on a real PostgreSQL server.

``scripts/test.sh`` starts PostgreSQL and exports ``ATLAS_TEST_DATABASE_URL``.
Without it the PostgreSQL half is skipped with the reason in pytest's summary;
with ``ATLAS_REQUIRE_POSTGRES=1`` (set by CI) it fails instead of skipping.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from citisens_core.store import Store

PG_VARIABLE = "ATLAS_TEST_DATABASE_URL"


def postgres_url() -> str:
    url = os.environ.get(PG_VARIABLE, "").strip()
    if url:
        return url
    reason = (f"{PG_VARIABLE} is not set: start PostgreSQL with scripts/test.sh "
              "(source scripts/postgres.sh && start_test_postgres)")
    if os.environ.get("ATLAS_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL required (ATLAS_REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(reason)


def _empty_postgres(url: str) -> Store:
    store = Store(url)
    with store.engine.begin() as connection:  # a clean schema per test
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    return store


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """A URL of an empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'werkmappen.sqlite'}"
    url = postgres_url()
    _empty_postgres(url).dispose()
    return url


@pytest.fixture
def store(store_url):
    store = Store(store_url)
    yield store
    store.dispose()
