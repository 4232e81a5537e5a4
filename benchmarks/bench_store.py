"""Speed of the werkmap store on SQLite and PostgreSQL.

What a workshop does: open a werkmap with the demo area file in it, save a
note, edit it, save the view; and what a hand-over does: export and import the
whole werkmap. Medians over many calls, because this machine is shared and
noisy. PostgreSQL is measured when ``ATLAS_TEST_DATABASE_URL`` names one
(``source scripts/postgres.sh && start_test_postgres``). Prints the figures and
writes docs/benchmarks/store.md. Run:

    python benchmarks/bench_store.py [--notes 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from citisens_core.store import ROLE_AREAS, Store  # noqa: E402

DEMO = REPO / "geodata" / "demo-gemeente.gpkg"
OUT = REPO / "docs" / "benchmarks" / "store.md"


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(store: Store, notes: int) -> dict[str, float]:
    area_file = DEMO.read_bytes()
    werkmap = store.create("Benchmark")
    store.put_file(werkmap.id, ROLE_AREAS, DEMO.name, area_file)
    made = [store.add_note(werkmap.id, "buurt", f"BU{i:08d}", f"notitie {i}")
            for i in range(notes)]
    figures = {
        "werkmap openen (gegevens + gebiedsbestand)": median_ms(
            lambda: (store.get(werkmap.id), store.file(werkmap.id, ROLE_AREAS)), 30),
        "notitie toevoegen": median_ms(
            lambda: store.add_note(werkmap.id, "wijk", "WK1", "nieuw"), 50),
        "notities van een gebied lezen": median_ms(
            lambda: store.notes(werkmap.id, "buurt", "BU00000007"), 50),
        "keuzes bewaren": median_ms(
            lambda: store.save_state(werkmap.id, {"atlas:level": "wijk"}), 50),
    }
    versions = iter(range(1, 10_000))
    note = made[0]
    figures["notitie bewerken (nieuwe versie)"] = median_ms(
        lambda: store.edit_note(werkmap.id, note.id, next(versions), f"v{time.time_ns()}"), 50)
    bundle = store.export_bundle(werkmap.id)
    figures["exporteren (één bestand)"] = median_ms(lambda: store.export_bundle(werkmap.id), 10)
    figures["importeren"] = median_ms(lambda: store.import_bundle(bundle, "b.zip"), 10)
    figures["verwijderen (alles erin)"] = median_ms(
        lambda: store.delete(store.import_bundle(bundle, "b.zip").id), 5)
    figures["bestandsgrootte export (kB)"] = len(bundle) / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=200)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = Store(f"sqlite:///{tmp}/bench.sqlite")
        results["SQLite"] = measure(sqlite, args.notes)
        sqlite.dispose()
    pg_url = os.environ.get("ATLAS_TEST_DATABASE_URL")
    if pg_url:
        pg = Store(pg_url)
        with pg.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        results["PostgreSQL"] = measure(pg, args.notes)
        pg.dispose()
    else:
        print("PostgreSQL not measured: ATLAS_TEST_DATABASE_URL is not set.")

    backends = list(results)
    rows = [f"| {label} | " + " | ".join(f"{results[b][label]:.1f}" for b in backends) + " |"
            for label in results["SQLite"]]
    table = "\n".join([f"| median (ms) | {' | '.join(backends)} |",
                       "|---|" + "---|" * len(backends), *rows])
    print(table)
    OUT.write_text(
        f"# Werkmap store\n\n`python benchmarks/bench_store.py --notes {args.notes}` on "
        f"{date.today().isoformat()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores (shared, noisy). A werkmap holding the demo gemeente "
        f"({DEMO.stat().st_size / 1024:.0f} kB) and {args.notes} notes; medians in "
        "milliseconds (the export size in kB). PostgreSQL is the throwaway server of "
        "`scripts/postgres.sh` (Unix socket, fsync off), so its figures are a lower bound "
        f"for a networked server.\n\n{table}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
