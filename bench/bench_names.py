"""Does rapidfuzz's optimal string alignment give the hand-written edit distance's results, and
how much faster is it? (issue 14: voters/rules/names.py replaced its own edit_distance and
word_similarity with rapidfuzz.)

    .venv/bin/python bench/bench_names.py [--pairs 200000] [--seed 14] [--rounds 3]

The oracle (the old algorithm) and the pair generator are those of tests/voters/test_names.py,
which checks a few thousand pairs on every test run; here the full 200,000, every pair's
distance and similarity compared exactly, then each side timed over all pairs (best of
``--rounds``). No cache is involved: ``_token_score``'s lru_cache sits above these functions.
"""

import argparse
import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voters.rules.names import edit_distance, word_similarity  # noqa: E402


def _test_module():
    path = ROOT / "tests" / "voters" / "test_names.py"
    spec = importlib.util.spec_from_file_location("test_names", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _best(rounds, work):
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    oracle = _test_module()
    pairs = oracle.random_pairs(args.pairs, seed=args.seed)

    distance_diff = sum(edit_distance(a, b) != oracle.osa_oracle(a, b) for a, b in pairs)
    similarity_diff = sum(
        word_similarity(a, b) != oracle.oracle_similarity(a, b) for a, b in pairs
    )

    def old():
        for a, b in pairs:
            oracle.oracle_similarity(a, b)

    def new():
        for a, b in pairs:
            word_similarity(a, b)

    old_s = _best(args.rounds, old)
    new_s = _best(args.rounds, new)
    print(f"pairs: {len(pairs):,} (seed {args.seed})")
    print(f"different distances: {distance_diff}, different similarities: {similarity_diff}")
    print(f"hand-written: {old_s:.3f} s ({old_s / len(pairs) * 1e6:.2f} us a pair)")
    print(f"rapidfuzz:    {new_s:.3f} s ({new_s / len(pairs) * 1e6:.2f} us a pair)")
    print(f"speed-up: {old_s / new_s:.0f}x")
    return 1 if distance_diff or similarity_diff else 0


if __name__ == "__main__":
    sys.exit(main())
