"""Report scale benchmark: every export format of a study of 10k fragments, timed.

Issue 12's target: all seven formats (html, md, json, csv, docx, pdf, prov) of a 10k-fragment
study together in at most 60 s and at most 2 GB. For each size it:

1. writes a study folder in a temporary directory: a panel of ``--experts`` pseudonymous
   experts in seven stakeholder groups, round 1 (contribute) with ``size`` fragments
   synthesised from ArgKP arguments (read in place from ../shared/data/argkp, never copied;
   see scale.py), and round 2 (rate) with ``--items`` statements, each citing fragments of
   round 1, rated by every expert on the 1-9 scale;
2. runs it end to end with the real CLI, `symphonia demo --study-dir` (load, open, import,
   close, analyse and draft both rounds), on a fresh SQLite database, and prints how long
   that took (the set-up, not part of the target);
3. runs `symphonia export STUDY 2 --format F` once per format, each in its own process, as a
   facilitator would, and prints its wall time, its peak RSS (from wait4, per process), and
   the size of what it wrote;
4. when every format is asked for, runs `symphonia export STUDY 2 --format all` once: every
   format into one folder from one process, one reading of the records and each figure
   drawn once, and prints its time and peak beside the sum of the separate runs.

The first size (default 1k) is the baseline measured in the same run: each 10k figure is
printed with its ratio to the 1k figure of the same format, so the scaling reads apart from
the machine's speed. The exporting processes include the CLI's start-up, which a user pays.

    .venv/bin/python benchmarks/report_scale.py                   # 1k baseline, then 10k
    .venv/bin/python benchmarks/report_scale.py --sizes 2000 --formats md json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_DATA
from scale import synth

FORMATS = ("md", "json", "csv", "prov", "html", "docx", "pdf")
GROUPS = (
    "clinician",
    "la_analyst",
    "ig_lead",
    "school_leader",
    "researcher",
    "parent_rep",
    "icb_commissioner",
)
STUDY = "report-scale"
ALL = "all"
TARGET_SECONDS = 60.0
TARGET_BYTES = 2 * 1024**3
SYMPHONIA = Path(sys.executable).with_name("symphonia")


@dataclass(frozen=True)
class Export:
    fmt: str
    seconds: float
    peak_rss: int
    """Bytes (ru_maxrss of that one process)."""
    size: int
    """Bytes written (a csv export: the zip)."""


def write_study(folder: Path, size: int, experts: int, items: int, data: Path) -> None:
    """A study folder as `study load` reads it: study.toml and the two rounds' files."""
    rng = random.Random(size)
    pseudonyms = [f"E{n:04d}" for n in range(1, experts + 1)]
    group_of = {p: GROUPS[n % len(GROUPS)] for n, p in enumerate(pseudonyms)}
    fragments = synth(size, data)
    lines = []
    for n, frag in enumerate(fragments):
        author = pseudonyms[n % experts]
        lines.append(
            {
                "id": f"f{n:05d}",
                "author": author,
                "kind": frag.kind.value,
                "text": frag.text,
                "confidence": rng.randint(1, 5),
                "group": group_of[author],
                "sources": [],
            }
        )
    _write_jsonl(folder / "round1-fragments.jsonl", lines)
    per_item = max(3, size // items // 20)
    item_rows = [
        {
            "id": f"s{k:03d}",
            "text": f"Statement {k}: {fragments[k * per_item].text}",
            "fragment_ids": [f"f{k * per_item + j:05d}" for j in range(per_item)],
        }
        for k in range(items)
    ]
    _write_jsonl(folder / "round2-items.jsonl", item_rows)
    ratings = []
    for k in range(items):
        centre = rng.randint(2, 8)
        for p in pseudonyms:
            score = min(9, max(1, centre + rng.choice((-2, -1, 0, 0, 0, 1, 2))))
            ratings.append({"item": f"s{k:03d}", "rater": p, "score": score})
    _write_jsonl(folder / "round2-ratings.jsonl", ratings)
    panel = "".join(
        f'\n[[panel]]\npseudonym = "{p}"\ngroup = "{group_of[p]}"\n' for p in pseudonyms
    )
    groups = "".join(f'\n[[groups]]\nid = "{g}"\nname = "{g}"\n' for g in GROUPS)
    (folder / "study.toml").write_text(
        f"""# SYNTHETIC benchmark study (report_scale.py): texts adapted from ArgKP arguments.
[study]
id = "{STUDY}"
title = "Report scale benchmark ({size} fragments, synthetic)"
question = "Which arguments matter most on these topics?"
synthetic = true
anonymity = "pseudonymous"
{groups}
[[panel]]
pseudonym = "F01"
role = "facilitator"
{panel}
[protocol]
rule = "percent_iqr"
agreement_threshold = 0.7
max_iqr = 2
min_participation = 0.6
min_group_agreement = 0.5

[protocol.scale]
min = 1
max = 9

[protocol.stopping]
max_rounds = 3
cv_change_below = 0.15
require_nonsignificant_wilcoxon = true

[[rounds]]
number = 1
kind = "contribute"
opens = 2025-01-13
closes = 2025-02-07
fragments = "round1-fragments.jsonl"

[[rounds]]
number = 2
kind = "rate"
opens = 2025-02-24
closes = 2025-03-14
items = "round2-items.jsonl"
ratings = "round2-ratings.jsonl"
""",
        encoding="utf-8",
    )


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int]:
    """Run `symphonia ARGS` to the end; its wall time and its own peak RSS in bytes."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(SYMPHONIA), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"symphonia {' '.join(args)} failed ({proc.returncode}):\n{err}")
    return seconds, usage.ru_maxrss * 1024  # Linux reports kilobytes


def measure(size: int, args: argparse.Namespace) -> list[Export]:
    with tempfile.TemporaryDirectory(prefix="report-scale-") as tmp:
        root = Path(tmp)
        if args.keep:
            root = args.keep / f"size-{size}"
            root.mkdir(parents=True, exist_ok=False)
        study_dir = root / "study"
        study_dir.mkdir()
        write_study(study_dir, size, args.experts, args.items, args.data)
        env = {
            **os.environ,
            "SYMPHONIA_DATA_DIR": str(root / "data"),
            "SYMPHONIA_DATABASE_URL": f"sqlite+aiosqlite:///{root / 'symphonia.sqlite3'}",
        }
        setup_s, setup_rss = run_cli(
            ["demo", "--study-dir", str(study_dir), "--out", str(root / "reports")], env, root
        )
        print(
            f"  set-up ({size} fragments, {args.experts} experts, {args.items} rated items; "
            f"load, analyse and draft two rounds): {setup_s:.1f} s, "
            f"peak {setup_rss / 1024**2:.0f} MB"
        )
        exports = []
        for fmt in args.formats:
            out = root / "out" / (f"report-{fmt}.zip" if fmt == "csv" else f"report.{fmt}")
            out.parent.mkdir(exist_ok=True)
            seconds, rss = run_cli(
                ["export", STUDY, "2", "--format", fmt, "--out", str(out)], env, root
            )
            exports.append(Export(fmt, seconds, rss, out.stat().st_size))
        if set(args.formats) == set(FORMATS):
            folder = root / "out" / "all"
            seconds, rss = run_cli(
                ["export", STUDY, "2", "--format", "all", "--out", str(folder)], env, root
            )
            written = sum(p.stat().st_size for p in folder.iterdir())
            exports.append(Export(ALL, seconds, rss, written))
        return exports


def report(size: int, exports: list[Export], baseline: dict[str, Export] | None) -> None:
    print(
        f"  {'format':<6} {'time':>8} {'peak RSS':>9} {'size':>9}"
        + (f" {'time ratio':>11} {'RSS ratio':>10}" if baseline else "")
    )
    separate = [e for e in exports if e.fmt != ALL]
    for e in exports:
        if e.fmt == ALL:
            print(f"  {'':-<6} every format in one `export --format all`:")
        line = (
            f"  {e.fmt:<6} {e.seconds:>7.1f}s {e.peak_rss / 1024**2:>7.0f}MB"
            f" {e.size / 1024:>7.0f}kB"
        )
        if baseline and e.fmt in baseline:
            b = baseline[e.fmt]
            line += f" {e.seconds / b.seconds:>10.2f}x {e.peak_rss / b.peak_rss:>9.2f}x"
        print(line)
    total = sum(e.seconds for e in separate)
    peak = max(e.peak_rss for e in separate)
    print(
        f"  each format in its own process, together: {total:.1f} s, highest peak "
        f"{peak / 1024**2:.0f} MB ({_verdict(total, peak)} at {size})"
    )
    for e in exports:
        if e.fmt == ALL:
            print(
                f"  every format in one command: {e.seconds:.1f} s, peak "
                f"{e.peak_rss / 1024**2:.0f} MB ({_verdict(e.seconds, e.peak_rss)} at {size}; "
                f"{e.seconds / total:.2f}x the separate runs)"
            )


def _verdict(seconds: float, peak: int) -> str:
    met = seconds <= TARGET_SECONDS and peak <= TARGET_BYTES
    return f"target for 10k <= {TARGET_SECONDS:.0f} s and <= 2 GB: {'met' if met else 'NOT met'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--experts", type=int, default=500)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="ArgKP folder")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep each size's study, database and exports under this (new) folder",
    )
    args = parser.parse_args()
    if not (args.data / "arguments_train.csv").exists():
        raise SystemExit(f"ArgKP data not found in {args.data} (see --data)")
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    baseline: dict[str, Export] | None = None
    for size in args.sizes:
        print(f"{size} fragments:")
        exports = measure(size, args)
        report(size, exports, baseline)
        if baseline is None:
            baseline = {e.fmt: e for e in exports}
            print(f"  (the ratios below are to these {size}-fragment figures)")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
