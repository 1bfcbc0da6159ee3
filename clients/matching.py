"""Name matching for watch-list screening: Chinese characters, pinyin and Latin spellings.

No Django here: the functions take strings and return numbers, so the benchmark and the tests
use them directly.

Normalisation (`name_keys`) turns a name into comparison keys, lowercase ASCII letters only:
- Chinese characters give the characters themselves ("张伟") and their toneless pinyin in
  Chinese order ("zhangwei"; ü is written u);
- Latin letters are stripped of accents and punctuation and joined ("ZHANG, Wei" → "zhangwei").
  With `orders=True` (used for the list side) the variant with the last word first is added too
  ("Wei Zhang" → "weizhang" and "zhangwei"), so a name written in either order meets the other.

Which keys meet: characters with characters, Latin with Latin, and the pinyin of a Chinese name
with Latin spellings only. Two names both written in characters are compared as characters: 张伟
and 张玮 share their pinyin but are different names, and comparing their pinyin would flood the
queue with homophones. Pinyin keys carry a leading "~" so the matcher can tell them apart.

Matching (`match_names`) scores every pair of keys that share a *block* (the first
`block_prefix` letters of a Latin key, the first character of a Chinese key) with
`rapidfuzz.fuzz.ratio` (0–100, normalised Indel similarity), computed in C over whole blocks
with `rapidfuzz.process.cdist(score_cutoff=...)`. Blocking is what makes 100,000 × 10,000 fast:
pairs that differ in their first letters are never compared. The price is stated plainly: a
spelling that differs in its first letters ("Mohammed" / "Muhammad" with a prefix of 2) is not
found by the name; identity numbers are matched exactly either way.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NOT_LETTER = re.compile(r"[^a-z]+")
PINYIN = "~"


def _ascii_tokens(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return [t for t in _NOT_LETTER.split(plain) if t]


def name_keys(name: str, *, orders: bool = False) -> list[str]:
    """The comparison keys of a name (see the module docstring). Empty for an empty name."""
    name = unicodedata.normalize("NFKC", name or "")
    han = "".join(_HAN.findall(name))
    keys: list[str] = []
    if han:
        keys.append(han)
        # imported here: its phrase dictionary takes a third of a second to load, which every
        # process (web, worker, the escalation sweep) would otherwise pay at start-up
        from pypinyin import Style, lazy_pinyin

        syllables = lazy_pinyin(han, style=Style.NORMAL, v_to_u=True)
        keys.append(PINYIN + "".join(_ascii_tokens(" ".join(syllables))))
    latin = _HAN.sub(" ", name)
    tokens = _ascii_tokens(latin)
    if tokens:
        keys.append("".join(tokens))
        if orders and len(tokens) > 1:
            keys.append("".join(tokens[-1:] + tokens[:-1]))
            keys.append("".join(tokens[1:] + tokens[:1]))
    seen: set[str] = set()
    return [k for k in keys if k and not (k in seen or seen.add(k))]


def block_of(key: str, prefix: int) -> str:
    if _HAN.match(key):
        return "h" + key[0]
    return key.lstrip(PINYIN)[:prefix]


def _kind(key: str) -> str:
    if key.startswith(PINYIN):
        return "p"
    return "h" if _HAN.match(key) else "l"


# which kinds of key a subject's key is compared with
MEETS = {"h": ("h",), "l": ("l", "p"), "p": ("l",)}


def match_names(
    subjects: Iterable[tuple[Hashable, Sequence[str]]],
    entries: Iterable[tuple[Hashable, Sequence[str]]],
    *,
    cutoff: int = 90,
    block_prefix: int = 2,
    chunk: int = 4000,
    workers: int = -1,
) -> dict[tuple[Hashable, Hashable], int]:
    """Best score per (subject, entry) pair at or above `cutoff`.

    `subjects` and `entries` are (id, keys) pairs, keys from `name_keys`."""
    choice_keys: dict[tuple[str, str], list[str]] = defaultdict(list)
    choice_owner: dict[tuple[str, str], list[Hashable]] = defaultdict(list)
    for entry_id, keys in entries:
        for key in keys:
            pool = (_kind(key), block_of(key, block_prefix))
            choice_keys[pool].append(key.lstrip(PINYIN))
            choice_owner[pool].append(entry_id)
    query_keys: dict[tuple[str, str], list[str]] = defaultdict(list)
    query_owner: dict[tuple[str, str], list[Hashable]] = defaultdict(list)
    for subject_id, keys in subjects:
        for key in keys:
            block = block_of(key, block_prefix)
            for kind in MEETS[_kind(key)]:
                if (kind, block) in choice_keys:
                    query_keys[(kind, block)].append(key.lstrip(PINYIN))
                    query_owner[(kind, block)].append(subject_id)
    # imported here, like pypinyin below: numpy and rapidfuzz cost every process (web, worker, a
    # one-off command) start-up time, and only screening runs need them
    import numpy as np
    from rapidfuzz import fuzz, process

    found: dict[tuple[Hashable, Hashable], int] = {}
    for pool, queries in query_keys.items():
        choices, owners, q_owner = choice_keys[pool], choice_owner[pool], query_owner[pool]
        for start in range(0, len(queries), chunk):
            scores = process.cdist(
                queries[start : start + chunk],
                choices,
                scorer=fuzz.ratio,
                score_cutoff=cutoff,
                dtype=np.uint8,
                workers=workers,
            )
            rows, cols = np.nonzero(scores)
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                pair = (q_owner[start + r], owners[c])
                score = int(scores[r, c])
                if score > found.get(pair, 0):
                    found[pair] = score
    return found


def score_pair(a: str, b: str) -> int:
    """The score two names get against each other, by the same rules (for display and tests)."""
    from rapidfuzz import fuzz

    best = 0
    for x in name_keys(a):
        for y in name_keys(b, orders=True):
            if _kind(y) in MEETS[_kind(x)]:
                best = max(best, int(fuzz.ratio(x.lstrip(PINYIN), y.lstrip(PINYIN))))
    return best
