"""What a source kind cannot provide, merged with what a site declares it cannot provide."""

from __future__ import annotations

from collections.abc import Mapping

Unavailable = dict[str, tuple[str, ...] | None]


def merge_unavailable(
    defaults: Mapping[str, tuple[str, ...] | None], declared: Mapping[str, tuple[str, ...] | None]
) -> Unavailable:
    """A kind's gaps plus the site's: a whole extract (None) wins over columns, and columns add
    up without repeats. The site can add gaps, never fill one of the kind's."""
    merged: Unavailable = dict(defaults)
    for name, columns in declared.items():
        if columns is None or merged.get(name, ()) is None:
            merged[name] = None
        else:
            merged[name] = tuple(dict.fromkeys((*(merged.get(name) or ()), *columns)))
    return merged
