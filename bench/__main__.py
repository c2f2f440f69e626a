"""`python -m bench [name ...]`: run the benchmarks on a scratch database.

The scratch database is ``DATABASE_URL`` when set (use a PostgreSQL database you can drop: pytest-style
``test_`` databases are created by the benchmark itself), otherwise a fresh SQLite file in bench/results/.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", default=["review"], help="benchmarks to run (default: review)")
    parser.add_argument("--reviews", type=int, default=int(os.environ.get("BENCH_REVIEWS", "30")))
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from bench import setup

    setup.prepare_database()
    for name in args.names:
        if name == "review":
            from bench import review

            review.run(args.reviews, RESULTS)
        elif name == "roster":
            from bench import roster

            roster.run(RESULTS)
        elif name == "issuance":
            from bench import issuance

            issuance.run(RESULTS)
        elif name == "lists":
            from bench import lists

            lists.run(RESULTS)
        elif name == "verification":
            from bench import verification

            verification.run(RESULTS)
        else:
            print(f"unknown benchmark {name}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
