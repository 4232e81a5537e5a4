"""Time to make the council-ready outputs on the demo gemeente (and a real CBS file).

Measures, as medians over several runs (the machine is shared and noisy): the
area report for one buurt and for four (map rendering included), a map image as
PNG and SVG, and the sizes of the files. The area set and estimates are made
once beforehand, as the app has them in memory. Prints the figures and writes
docs/benchmarks/report.md. Run:

    python benchmarks/bench_report.py [--runs 3]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from citisens_core.atlas import AreaSet
from citisens_core.model import default_model
from citisens_core.report.content import build_report, dominant_colours, doubtful_codes
from citisens_core.report.context import label_points
from citisens_core.report.pdf import report_pdf
from citisens_core.report.source import report_data
from citisens_core.report.staticmap import MapSpec, render_map
from citisens_core.scheme import load_scheme
from citisens_core.strategy import load_rules

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "geodata" / "demo-gemeente.gpkg"
OUT = REPO / "docs" / "benchmarks" / "report.md"
ONE = ["BU99010101"]
FOUR = ["BU99010101", "BU99010102", "BU99010103", "BU99010104"]


def median_time(fn: Callable[[], bytes], runs: int) -> tuple[float, bytes]:
    times, result = [], b""
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    scheme, rules, model = load_scheme(), load_rules(), default_model()
    areas = AreaSet.from_file(DEMO).for_display()
    data = report_data(areas, "buurt", model, scheme)

    def report(codes: list[str]) -> bytes:
        return report_pdf(build_report(data, codes, scheme, rules), scheme)

    colours, legend = dominant_colours(data.estimates, scheme)
    spec = MapSpec(areas=data.areas, colours=colours, legend=legend,
                   legend_title="Meest voorkomend profiel", title="Lindewaarde — buurten",
                   credit=data.credit, fictional=True, doubt=doubtful_codes(data.estimates),
                   water=data.water, borders=data.borders, labels=label_points(data.areas))
    rows = []
    for label, fn in (("Rapport, 1 buurt (PDF, 2 pagina's)", lambda: report(ONE)),
                      ("Rapport, 4 buurten (PDF, voorblad + 4)", lambda: report(FOUR)),
                      ("Kaartbeeld hele gemeente, PNG 200 dpi", lambda: render_map(spec, "png",
                                                                                   dpi=200)),
                      ("Kaartbeeld hele gemeente, SVG", lambda: render_map(spec, "svg"))):
        seconds, result = median_time(fn, runs)
        rows.append((label, seconds, len(result) / 1024))
        print(f"{label:42s} {seconds:6.2f} s  {len(result) / 1024:7.0f} KB")
    lines = ["# Report and map image benchmark", "",
             f"{date.today():%Y-%m-%d}, {platform.machine()}, Python "
             f"{platform.python_version()}; median of {runs} runs on a shared 2-core machine. "
             "Estimates were in memory beforehand (as in the app).", "",
             "| what | median time | file size |", "|---|---|---|"]
    lines += [f"| {label} | {seconds:.2f} s | {size:.0f} KB |" for label, seconds, size in rows]
    lines += ["", "Run: `python benchmarks/bench_report.py`.", ""]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
