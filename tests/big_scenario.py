"""The 500-actor scenario the memory test (tests/test_numeric_edges.py) and its timing
benchmark (benchmarks/bench_checks.py) both run in a fresh process: the script's first lines,
ending with the scenario ``sc``; each appends what it measures."""

FIVE_HUNDRED_SETUP = """
import json, resource, sys, time
import numpy as np
from detente.models import MODELS
from detente.scenario.validation import validate_scenario
rng = np.random.default_rng(9)
n = 500
actors = [{"name": f"a{k}", "capability": float(10 ** rng.uniform(-3, 3)),
           "stances": {"x": {"position": float(rng.uniform(0, 100)),
                             "salience": float(rng.uniform(0, 100))}}} for k in range(n)]
sc = validate_scenario({"name": "big", "issues": [{"name": "x"}], "actors": actors})
"""
