"""Word distances of the name rules (voters/rules/names.py) come from rapidfuzz's optimal string
alignment; they must be those of the hand-written algorithm it replaced (issue 14), kept below
as the oracle. bench/bench_names.py runs the same comparison on 200,000 pairs and times both."""

import random

from voters.rules.names import edit_distance, name_similarity, word_similarity

# Letters of Indonesian names, the common ones more than once, so that random words share
# letters and neighbouring swaps (the "T" in OSA) happen.
LETTERS = "AAAAIIIUUUEEONNNRRRSSTTMMHHDDKKBGLPWYJC"


def osa_oracle(a: str, b: str) -> int:
    """The edit distance voters/rules/matching.py computed by hand before issue 14: insertions,
    deletions, substitutions and swaps of two neighbouring letters each cost 1, a letter is
    edited at most once (optimal string alignment, not Damerau-Levenshtein)."""
    if a == b:
        return 0
    if not a or not b:
        return len(a) + len(b)
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cost = 0 if x == y else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return previous[-1]


def oracle_similarity(a: str, b: str) -> float:
    """The old word similarity: 1 - distance / length of the longer word."""
    longest = max(len(a), len(b))
    return 1.0 - osa_oracle(a, b) / longest if longest else 1.0


def _edited(word: str, rnd: random.Random) -> str:
    letters = list(word)
    for _ in range(rnd.randint(1, 3)):
        kind = rnd.randrange(4)
        at = rnd.randint(0, max(len(letters) - 1, 0))
        if kind == 0 or not letters:
            letters.insert(at, rnd.choice(LETTERS))
        elif kind == 1:
            del letters[at]
        elif kind == 2:
            letters[at] = rnd.choice(LETTERS)
        elif len(letters) > 1:
            at = min(at, len(letters) - 2)
            letters[at], letters[at + 1] = letters[at + 1], letters[at]
    return "".join(letters)


def random_pairs(count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` word pairs: a third unrelated, two thirds a word and a copy with one to three
    edits (insert, delete, substitute, swap neighbours); lengths 0 to 14, empty words included."""
    rnd = random.Random(seed)
    pairs = []
    for n in range(count):
        word = "".join(rnd.choice(LETTERS) for _ in range(rnd.randint(0, 14)))
        if n % 3 == 0:
            other = "".join(rnd.choice(LETTERS) for _ in range(rnd.randint(0, 14)))
        else:
            other = _edited(word, rnd)
        pairs.append((word, other) if rnd.random() < 0.5 else (other, word))
    return pairs


def test_rapidfuzz_gives_the_old_distances_and_similarities_on_random_pairs():
    pairs = random_pairs(5000, seed=14)
    assert any(not a or not b for a, b in pairs)
    different = [
        (a, b, osa_oracle(a, b), edit_distance(a, b))
        for a, b in pairs
        if edit_distance(a, b) != osa_oracle(a, b)
    ]
    assert different == []
    # Exactly equal floats, not close ones: a score on the threshold must fall the same side.
    different = [
        (a, b) for a, b in pairs if word_similarity(a, b) != oracle_similarity(a, b)
    ]
    assert different == []


def test_a_swap_of_neighbouring_letters_costs_one_but_a_letter_is_edited_once():
    assert edit_distance("SANTOSO", "SATNOSO") == osa_oracle("SANTOSO", "SATNOSO") == 1
    # Damerau-Levenshtein would say 2 (swap, then insert between); OSA says 3.
    assert edit_distance("CA", "ABC") == osa_oracle("CA", "ABC") == 3
    assert word_similarity("", "") == oracle_similarity("", "") == 1.0
    assert word_similarity("SUDIRTA", "SUDARMA") == oracle_similarity("SUDIRTA", "SUDARMA")


def test_the_thresholds_examples_keep_their_scores():
    # The examples voters/rules/match.py gives for PROBABLE_THRESHOLD (0.75).
    assert name_similarity("BUDI", "BUDI SANTOSO") == 0.75
    assert round(name_similarity("RIDWAN", "MUHAMMAD RIDWAN"), 2) == 0.83
    assert name_similarity("BUDI SANTOSO", "BUDI SETIAWAN") == 0.5
    assert round(name_similarity("MUHAMMAD", "MUHAMMAD RIDWAN"), 2) == 0.67
