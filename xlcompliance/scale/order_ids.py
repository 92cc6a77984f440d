"""Repeated order ids across partitions: the first row in global row order is assessed.

A global check needs every id in one place per id, so the ids (only the id column is read, and
only non-blank ids travel) are shuffled by their text into buckets; each bucket finds its repeats
and the first occurrence of each, by (partition, position), which is global row order. The
repeats are routed back to the partition they came from, where the global row number of the
first occurrence is its partition's start plus its position. Without repeats only the shuffle of
the ids costs anything.

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

from ..core.headers import canonical_series
from ..core.order_ids import id_texts, repeat_message

_TEXT = "string[pyarrow]"
KEYED_META = pd.DataFrame({
    "order_id": pd.Series([], dtype=_TEXT),
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


@cache
def _edge_space() -> str:
    """A text starting or ending with Python's whitespace (what ``str.strip`` removes), as a
    regular expression for Arrow."""
    spaces = "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    return f"^[{spaces}]|[{spaces}]$"


def id_text_array(ids: pd.Series) -> pa.Array:
    """``core.order_ids.id_texts`` as an Arrow string array: the same texts, but an Arrow-typed
    column (how Dask reads text) stays in Arrow, and only ids with space at an end go through
    ``str.strip``."""
    if not (isinstance(ids.dtype, pd.StringDtype) and ids.dtype.storage == "pyarrow"):
        return pa.array(id_texts(ids), type=pa.large_string())
    texts = pc.fill_null(pa.chunked_array(pa.array(ids)).combine_chunks(), "")
    edge = pc.match_substring_regex(texts, _edge_space())
    if pc.any(edge).as_py():
        stripped = pa.array([t.strip() for t in texts.filter(edge).to_pylist()], type=texts.type)
        texts = pc.replace_with_mask(texts, edge, stripped)
    return texts


def keyed_ids(frame: pd.DataFrame, headers: dict | None, partition_info=None) -> pd.DataFrame:
    """The non-blank ids of one partition with where they are: (id text, partition, position)."""
    texts = id_text_array(canonical_series(frame, "orders", headers)["order_id"].reset_index(drop=True))
    present = pc.greater(pc.binary_length(texts), 0)
    rows = np.flatnonzero(present.to_numpy(zero_copy_only=False))
    return pd.DataFrame({
        "order_id": pd.array(texts.filter(present), dtype=_TEXT),
        "part": np.full(len(rows), partition_info["number"], dtype=np.int64),
        "pos": rows.astype(np.int64),
    })


def bucket_repeats(bucket: pd.DataFrame) -> pd.DataFrame:
    """Every row of a bucket whose id occurred earlier, with where its first occurrence is."""
    shared = bucket[bucket["order_id"].duplicated(keep=False).to_numpy()]
    if shared.empty:
        return REPEATS_META
    shared = shared.sort_values(["part", "pos"], kind="stable")
    first = ~shared["order_id"].duplicated().to_numpy()
    firsts = shared[first].set_index("order_id")
    later = shared[~first]
    where = firsts.reindex(later["order_id"])
    return pd.DataFrame({
        "part": later["part"].to_numpy(),
        "pos": later["pos"].to_numpy(),
        "first_part": where["part"].to_numpy(dtype=np.int64),
        "first_pos": where["pos"].to_numpy(dtype=np.int64),
        "order_id": later["order_id"].to_numpy(),
    })


def _length(frame: pd.DataFrame) -> pd.Series:
    return pd.Series([len(frame)], dtype=np.int64)


def partition_lengths(frame):
    """The length of every partition of a Dask frame, as one lazy partition (to broadcast)."""
    return frame.map_partitions(_length, meta=pd.Series([], dtype=np.int64)).repartition(npartitions=1)


def global_repeats(id_frame, headers: dict | None):
    """Per input partition, its rows that repeat an earlier id (partition ``i`` of the result holds
    the repeats of partition ``i``, indexed by ``part``), and the length of every partition (one
    partition, broadcast to all)."""
    n = id_frame.npartitions
    # Optimised on its own, the id branch reads only the id column (a projected read of its own)
    # instead of sharing the full read with the assessment, which would then hold every whole
    # partition in memory until the shuffle is done; this way each assessment task reads its
    # partition itself, after the shuffle.
    id_frame = id_frame.optimize(fuse=False)
    keyed = id_frame.map_partitions(keyed_ids, headers, meta=KEYED_META, clear_divisions=True)
    buckets = keyed.shuffle(on="order_id", npartitions=n)
    repeats = buckets.map_partitions(bucket_repeats, meta=REPEATS_META)
    routed = repeats.set_index("part", divisions=list(range(n + 1))).clear_divisions()
    return routed, partition_lengths(id_frame)


def repeat_errors(n: int, repeats: pd.DataFrame, lengths: pd.Series) -> np.ndarray:
    """The repeat message of each of a partition's ``n`` rows (None where its id is first)."""
    errors = np.full(n, None, dtype=object)
    if len(repeats):
        starts = np.concatenate([[0], np.cumsum(lengths.to_numpy(dtype=np.int64))])
        first_rows = starts[repeats["first_part"].to_numpy()] + repeats["first_pos"].to_numpy()
        for pos, text, row in zip(repeats["pos"].to_numpy(), repeats["order_id"].to_numpy(), first_rows, strict=True):
            errors[pos] = repeat_message(text, int(row))
    return errors
