"""Repeated order ids across partitions: the first row in global row order is assessed.

Only the id column is read. Each partition's non-blank ids are keyed once: an id of plain digits
(what real exports have) by its exact integer key, any other by its text. Where every id is plain
digits, the partition's range of keys is known; exports list orders by rising id, so the ranges
normally do not overlap, and then no id can repeat across partitions: each partition finds its own
repeats, citing its start plus their position (a partition whose keys rise or fall throughout has
none, and skips even that).

Otherwise every id must meet the others with the same id, so the keyed ids are shuffled into
buckets (a digit id travels as its key alone, any other as its text, routed by a hash of it: the
same id has the same form in every partition). Each bucket finds its repeats and the first
occurrence of each, by (partition, position), which is global row order. The repeats are routed
back to the partition they came from, where the global row number of the first occurrence is its
partition's start plus its position. The shuffle is in the graph either way, but carries nothing
when the ranges do not overlap.

Exports with product lines take another road (see ``product_lines``): whole order rows travel,
since an order's lines are assessed together.
"""

from __future__ import annotations

import sys
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core.arrowtext import digit_text, row_digit_keys
from ..core.headers import canonical_series
from ..core.order_ids import duplicate_errors, id_texts, repeat_message

_TEXT = "string[pyarrow]"
KEYED_META = pd.DataFrame({
    "key": pd.Series([], dtype=np.int64),
    "text": pd.Series([], dtype=_TEXT),
    "part": pd.Series([], dtype=np.int64),
    "pos": pd.Series([], dtype=np.int64),
})
REPEATS_META = pd.DataFrame({
    "part": pd.Series([], dtype=np.int64),
    "pos": pd.Series([], dtype=np.int64),
    "first_part": pd.Series([], dtype=np.int64),
    "first_pos": pd.Series([], dtype=np.int64),
    "order_id": pd.Series([], dtype=_TEXT),
})
RANGES_META = pd.DataFrame({
    "ids": pd.Series([], dtype=np.int64),
    "digits": pd.Series([], dtype=bool),
    "low": pd.Series([], dtype=np.int64),
    "high": pd.Series([], dtype=np.int64),
    "inside": pd.Series([], dtype=bool),
})


@cache
def _edge_space() -> str:
    """A text starting or ending with Python's whitespace (what ``str.strip`` removes), as a
    regular expression for Arrow."""
    spaces = "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    return f"^[{spaces}]|[{spaces}]$"


def id_text_array(ids: pd.Series) -> pa.Array:
    """``core.order_ids.id_texts`` as an Arrow string array: the same texts, but an Arrow-typed
    column (how Dask reads text) stays in Arrow, and only ids with space at an end go through
    ``str.strip`` (ids of ASCII digits alone, the usual ids, are not even looked at for it)."""
    if not (isinstance(ids.dtype, pd.StringDtype) and ids.dtype.storage == "pyarrow"):
        return pa.array(id_texts(ids), type=pa.large_string())
    texts = pc.fill_null(pa.chunked_array(pa.array(ids)).combine_chunks(), "")
    others = np.flatnonzero(~pc.ascii_is_decimal(texts).to_numpy(zero_copy_only=False))
    if not len(others):
        return texts
    edge = np.zeros(len(texts), dtype=bool)
    edge[others] = pc.match_substring_regex(texts.take(pa.array(others)), _edge_space()).to_numpy(
        zero_copy_only=False)
    if edge.any():
        stripped = pa.array([t.strip() for t in texts.filter(pa.array(edge)).to_pylist()], type=texts.type)
        texts = pc.replace_with_mask(texts, pa.array(edge), stripped)
    return texts


def _partition_ids(frame: pd.DataFrame, headers: dict | None) -> pd.Series:
    return canonical_series(frame, "orders", headers)["order_id"].reset_index(drop=True)


def _present_ids(frame: pd.DataFrame, headers: dict | None) -> tuple[np.ndarray, pa.Array]:
    """The rows of a partition whose id is not blank, and their id texts."""
    texts = id_text_array(_partition_ids(frame, headers))
    present = pc.greater(pc.binary_length(texts), 0).to_numpy(zero_copy_only=False)
    if present.all():
        return np.arange(len(texts)), texts
    return np.flatnonzero(present), texts.filter(pa.array(present))


def keyed_ids(frame: pd.DataFrame, headers: dict | None, partition_info=None) -> pd.DataFrame:
    """The non-blank ids of one partition with where they are, ready to shuffle by ``key``: a
    plain-digit id as its exact key (no text), any other as its text (keyed by a hash of it, for
    routing only)."""
    rows, texts = _present_ids(frame, headers)
    digits, keys = row_digit_keys(texts)
    if digits.all():
        text = pd.array(pa.nulls(len(rows), pa.large_string()), dtype=_TEXT)
    else:
        text = pd.array(texts, dtype=_TEXT)
        others = ~digits
        keys[others] = pd.util.hash_array(text[others].to_numpy(dtype=object)).view(np.int64)
        text[digits] = pd.NA
    return pd.DataFrame({
        "key": keys,
        "text": text,
        "part": np.full(len(rows), partition_info["number"], dtype=np.int64),
        "pos": rows.astype(np.int64),
    })


def key_range(keyed: pd.DataFrame) -> pd.DataFrame:
    """One row for one partition's keyed ids: how many, whether all are plain digits and, if so,
    the lowest and highest exact key and whether a key repeats inside the partition (never, if
    the keys rise or fall throughout: one pass, no sort)."""
    every = not keyed["text"].notna().any()
    keys = keyed["key"].to_numpy()
    low = high = 0
    inside = not every
    if every and len(keys):
        low, high = int(keys.min()), int(keys.max())
        rising, falling = (keys[1:] > keys[:-1]).all(), (keys[1:] < keys[:-1]).all()
        if not (rising or falling):
            ordered = np.sort(keys)  # fast on nearly sorted keys, unlike np.unique
            inside = bool((ordered[1:] == ordered[:-1]).any())
    return pd.DataFrame({"ids": [len(keys)], "digits": [every], "low": [low], "high": [high], "inside": [inside]})


def ids_can_repeat_across(ranges: pd.DataFrame) -> bool:
    """Whether two partitions may share an id: some partition has an id not of plain digits, or
    the key ranges of two partitions (with ids) overlap. Exact: False means no shared id."""
    with_ids = ranges[ranges["ids"].to_numpy() > 0]
    if len(with_ids) < 2:
        return False
    if not with_ids["digits"].all():
        return True
    ranges = with_ids.sort_values("low", kind="stable")
    return bool((ranges["low"].to_numpy()[1:] <= ranges["high"].to_numpy()[:-1]).any())


def _if_shared(keyed: pd.DataFrame, ranges: pd.DataFrame) -> pd.DataFrame:
    """The keyed ids to shuffle: none where no id can repeat across partitions."""
    return keyed if ids_can_repeat_across(ranges) else KEYED_META


def _later_occurrences(shared: pd.DataFrame, by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Of rows whose ``by`` value occurs more than once: every row after the first of its value,
    and where the first is (aligned with it)."""
    shared = shared.sort_values(["part", "pos"], kind="stable")
    first = ~shared[by].duplicated().to_numpy()
    later = shared[~first]
    return later, shared[first].set_index(by).reindex(later[by])


def bucket_repeats(bucket: pd.DataFrame) -> pd.DataFrame:
    """Every row of a bucket whose id occurred earlier, with where its first occurrence is."""
    texts = bucket["text"].notna().to_numpy()
    digit_ids, text_ids = bucket[~texts], bucket[texts]
    found = []
    shared = digit_ids[digit_ids["key"].duplicated(keep=False).to_numpy()]
    if len(shared):
        later, where = _later_occurrences(shared, "key")
        found.append((later, where, [digit_text(k) for k in later["key"].tolist()]))
    shared = text_ids[text_ids["text"].duplicated(keep=False).to_numpy()]
    if len(shared):
        later, where = _later_occurrences(shared, "text")
        found.append((later, where, later["text"].tolist()))
    if not found:
        return REPEATS_META
    return pd.DataFrame({
        "part": np.concatenate([later["part"].to_numpy() for later, _, _ in found]),
        "pos": np.concatenate([later["pos"].to_numpy() for later, _, _ in found]),
        "first_part": np.concatenate([where["part"].to_numpy(dtype=np.int64) for _, where, _ in found]),
        "first_pos": np.concatenate([where["pos"].to_numpy(dtype=np.int64) for _, where, _ in found]),
        "order_id": pd.array([t for _, _, ids in found for t in ids], dtype=_TEXT),
    })


def _length(frame: pd.DataFrame) -> pd.Series:
    return pd.Series([len(frame)], dtype=np.int64)


def partition_lengths(frame):
    """The length of every partition of a Dask frame, as one lazy partition (to broadcast)."""
    return frame.map_partitions(_length, meta=pd.Series([], dtype=np.int64)).repartition(npartitions=1)


def global_repeats(id_frame, headers: dict | None):
    """Per input partition, its rows that repeat an earlier id across partitions (partition ``i``
    of the result holds the repeats of partition ``i``, indexed by ``part``), then every
    partition's ``key_range`` and length (each one partition, broadcast to all). Where no id can
    repeat across partitions, the repeats are empty and each partition finds its own."""
    n = id_frame.npartitions
    # Optimised on its own, the id branch reads only the id column (a projected read of its own)
    # instead of sharing the full read with the assessment, which would then hold every whole
    # partition in memory until the shuffle is done; this way each assessment task reads its
    # partition itself, after the shuffle.
    id_frame = id_frame.optimize(fuse=False)
    keyed = id_frame.map_partitions(keyed_ids, headers, meta=KEYED_META, clear_divisions=True)
    ranges = keyed.map_partitions(key_range, meta=RANGES_META).repartition(npartitions=1)
    # Dask's task-based shuffle: for ids alone (about 25 bytes a row) it cost less worker time
    # than the peer-to-peer one, which pays for its Arrow conversions and disk buffers.
    shared = keyed.map_partitions(_if_shared, ranges, meta=KEYED_META)
    buckets = shared.shuffle(on="key", npartitions=n, shuffle_method="tasks")
    repeats = buckets.map_partitions(bucket_repeats, meta=REPEATS_META)
    routed = repeats.set_index("part", divisions=list(range(n + 1)), shuffle_method="tasks").clear_divisions()
    return routed, ranges, partition_lengths(id_frame)


def repeat_errors(frame: pd.DataFrame, headers: dict | None, number: int, repeats: pd.DataFrame,
                  ranges: pd.DataFrame, lengths: pd.Series) -> np.ndarray:
    """The repeat message of each row of partition ``number`` (None where its id is first): from
    the shuffled ``repeats`` if ids can repeat across partitions, else found in the partition."""
    starts = np.concatenate([[0], np.cumsum(lengths.to_numpy(dtype=np.int64))])
    errors = np.full(len(frame), None, dtype=object)
    if not ids_can_repeat_across(ranges):
        if not ranges["inside"].iloc[number]:
            return errors
        return duplicate_errors(_partition_ids(frame, headers), first_row=int(starts[number]))
    if len(repeats):
        first_rows = starts[repeats["first_part"].to_numpy()] + repeats["first_pos"].to_numpy()
        for pos, text, row in zip(repeats["pos"].to_numpy(), repeats["order_id"].to_numpy(), first_rows, strict=True):
            errors[pos] = repeat_message(text, int(row))
    return errors
