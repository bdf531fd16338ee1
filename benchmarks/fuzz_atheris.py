"""Coverage-guided fuzzing of detente's file parsers with atheris (libFuzzer) — issue 9.

    .venv/bin/python benchmarks/fuzz_atheris.py [--inputs 100000] [--seed 0]

Every input is a byte string; its first byte picks the parser and the rest is written to a
file that the parser reads through its public entry point, the way a user's file is read:

    yaml        detente.scenario.load_scenario(<file>.yaml)
    ktab        detente.scenario.load_scenario(<file>.csv), KTAB layout
    bdm         detente.scenario.load_scenario(<file>.csv), BDM layout
    events      detente.profiles.events.read_events
    territory   detente.calibration.territory.read_territory_series (+ weekly_gains)
    agreements  detente.durability.data.read_agreements

The property: a result, or a DetenteError whose message is one line that starts with the
file's path and names a fix. Anything else (another exception, a message on two lines or
without a fix) is a defect: it is counted, its input saved under ``build/fuzz-crashes/``, and
the script exits 1 after printing its tables. Rejections are grouped into classes by their
message with the quoted values and numbers replaced (``is 'abc'; write ...`` and
``is 'x'; write ...`` are one class). The short run of the test suite is
``--inputs 2000`` (tests/test_fuzz_atheris.py); figures of the long run in
docs/robustness.md.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atheris

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.messages import why_no_fix, why_not_one_line  # noqa: E402

with atheris.instrument_imports(include=["detente"]):
    from detente.calibration.territory import read_territory_series, weekly_gains
    from detente.durability.data import read_agreements
    from detente.errors import DetenteError
    from detente.profiles.events import read_events
    from detente.scenario import builtin_names, load_scenario
    from detente.scenario.builtin import builtin_text


KTAB = """demo,a small case,3,2
Actor,Description,Influence,Territory Position,Territory Salience,Money Position,Money Salience
A,first,100,20,80,60,40
B,second,50,70,50,10,90
C,third,30,55,100,45,20
"""
BDM = """Actor,Capability,Position,Salience
A,100,20,80
B,50,70,50
Stakeholder C,1e-3,100,0
"""
EVENTS = """date,source,target,cameo_code,quad_class,goldstein,event_text,dataset
2018-01-02,USA,RUS,042,1,1.9,Make a visit,ICEWS
2018-01-05,RUS,USA,190,4,-10,Use conventional military force,ICEWS
2018-01-09,usa,ukr,0311,,,Express intent,GDELT
"""
TERRITORY = "date,occupied_km2\n" + "".join(
    f"2024-01-{d:02d},{100000 + 7 * d}.5\n" for d in range(1, 29)
)
AGREEMENTS = """paid,conflict_id,pa_date,ended,duration,pa_3rd,pko,cease,pa_type,terr_prov,\
mil_prov,pol_prov,justice_prov,dateintervalend_meta
1,333,1993-03-07,True,1993-06-01,Pakistan,0,1,2,0,1,1,0,2021-12-31
2,"333, 334",2001-12-05,,,,1,0,1,1,1,1,1,2021-12-31
3,400,2010-01-01,False,,UN,0,0,3,0,0,0,0,2021-12-31
"""


def _scenario(path: Path) -> object:
    return load_scenario(path)


def _territory(path: Path) -> object:
    series = read_territory_series(path)
    series.name = str(path)
    return weekly_gains(series)


def _agreements(path: Path) -> object:
    return read_agreements(path, termination=False)


PARSERS: list[tuple[str, str, Callable[[Path], object], list[str]]] = [
    ("yaml", ".yaml", _scenario, [builtin_text(n) for n in builtin_names()]),
    ("ktab", ".csv", _scenario, [KTAB]),
    ("bdm", ".csv", _scenario, [BDM]),
    ("events", ".csv", read_events, [EVENTS]),
    ("territory", ".csv", _territory, [TERRITORY]),
    ("agreements", ".csv", _agreements, [AGREEMENTS]),
]

_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_NUMBER = re.compile(
    r"(?<![\w-])[-+]?(?:\d[\d_]*(?:,\d{3})*\.?\d*(?:e[-+]?\d+)?|\.\d+|inf|nan)(?![\w-])",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\((?:[^()]*)\)")


def rejection_class(message: str) -> str:
    """The message with quoted values, parenthesised details and numbers replaced."""
    text = _QUOTED.sub("'…'", message)
    text = _PAREN.sub("(…)", text)
    text = _DATE.sub("DATE", text)
    return _NUMBER.sub("N", text)


class Fuzzer:
    def __init__(self, n_inputs: int, workdir: Path, crash_dir: Path) -> None:
        self.n_inputs = n_inputs
        self.workdir = workdir
        self.crash_dir = crash_dir
        self.tried: collections.Counter[str] = collections.Counter()
        self.accepted: collections.Counter[str] = collections.Counter()
        self.classes: collections.Counter[tuple[str, str]] = collections.Counter()
        self.defects: collections.Counter[tuple[str, str]] = collections.Counter()
        self.examples: dict[tuple[str, str], str] = {}
        self.started = time.perf_counter()

    def one_input(self, data: bytes) -> None:
        if not data:
            data = b"\x00"
        name, suffix, parse, _ = PARSERS[data[0] % len(PARSERS)]
        path = self.workdir / f"input{suffix}"
        path.write_bytes(data[1:])
        self.tried[name] += 1
        try:
            parse(path)
        except DetenteError as exc:
            message = str(exc)
            if why_not_one_line(message):
                self._defect(name, "message not one line, or a traceback", message, data)
            elif not message.startswith(f"{path}: "):
                self._defect(name, "message does not name the file first", message, data)
            elif why_no_fix(exc.message):  # ``what is wrong; the fix`` (tests/messages.py)
                self._defect(name, "message names no fix", message, data)
            else:
                self.classes[(name, rejection_class(exc.message))] += 1
        except Exception as exc:  # a defect: record it and go on
            self._defect(name, f"{type(exc).__name__}", " ".join(str(exc).split())[:200], data)
        else:
            self.accepted[name] += 1
        if sum(self.tried.values()) >= self.n_inputs:
            self.report()
            sys.stdout.flush()
            os._exit(1 if self.defects else 0)

    def _defect(self, parser: str, kind: str, message: str, data: bytes) -> None:
        key = (parser, kind)
        self.defects[key] += 1
        if key not in self.examples:
            self.examples[key] = message
            self.crash_dir.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha1(data).hexdigest()[:12]
            (self.crash_dir / f"{parser}-{digest}.bin").write_bytes(data)

    def report(self) -> None:
        total = sum(self.tried.values())
        seconds = time.perf_counter() - self.started
        print(f"\n## atheris: {total:,} inputs in {seconds:.0f} s\n")
        print(
            "| parser | inputs | accepted | rejected (DetenteError) | rejection classes | defects |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for name, *_ in PARSERS:
            classes = [c for (p, c) in self.classes if p == name]
            rejected = sum(n for (p, _), n in self.classes.items() if p == name)
            defects = sum(n for (p, _), n in self.defects.items() if p == name)
            print(
                f"| {name} | {self.tried[name]:,} | {self.accepted[name]:,} | {rejected:,} | "
                f"{len(classes)} | {defects} |"
            )
        print(
            f"| **total** | {total:,} | {sum(self.accepted.values()):,} | "
            f"{sum(self.classes.values()):,} | {len(self.classes)} | "
            f"{sum(self.defects.values())} |\n"
        )
        print("### Rejection classes (message with values replaced), most frequent first\n")
        print("| parser | count | message class |")
        print("|---|---:|---|")
        for (name, cls), n in self.classes.most_common():
            print(f"| {name} | {n:,} | {cls.replace('|', '/')} |")
        if self.defects:
            print("\n### Defects\n")
            print("| parser | kind | count | first message |")
            print("|---|---|---:|---|")
            for (name, kind), n in self.defects.most_common():
                example = self.examples[(name, kind)].replace("|", "/")
                print(f"| {name} | {kind} | {n} | {example} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--inputs",
        type=int,
        default=int(os.environ.get("DETENTE_FUZZ_INPUTS", "100000")),
        help="inputs to try in total (default 100,000 or $DETENTE_FUZZ_INPUTS)",
    )
    parser.add_argument("--seed", type=int, default=0, help="libFuzzer's seed")
    parser.add_argument("--max-len", type=int, default=16384, help="longest input in bytes")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        corpus.mkdir()
        for index, (_, _, _, seeds) in enumerate(PARSERS):
            for k, text in enumerate(seeds):
                (corpus / f"seed-{index}-{k}").write_bytes(bytes([index]) + text.encode())
        fuzzer = Fuzzer(args.inputs, work, root / "build" / "fuzz-crashes")
        libfuzzer_args: list[Any] = [
            sys.argv[0],
            f"-seed={args.seed}",
            f"-max_len={args.max_len}",
            f"-runs={args.inputs * 10}",
            "-print_final_stats=0",
            str(corpus),
        ]
        atheris.Setup(libfuzzer_args, fuzzer.one_input)
        atheris.Fuzz()
        fuzzer.report()  # only reached when libFuzzer stops early


if __name__ == "__main__":
    main()
