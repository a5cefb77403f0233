"""Interchange files (DESIGN.md §6): fragments, ratings and rating items as JSONL or CSV.

Every reader comes in two forms: ``try_read_*`` returns a :class:`ReadResult` holding either
the records or every problem found (for callers that show problems to users), and
``read_*`` returns the records or raises :class:`InterchangeError`. Either way an import is
all-or-nothing: a file with any problem yields no records.
"""

from symphonia.interchange._errors import MAX_ERRORS, InterchangeError, Issue, ReadResult
from symphonia.interchange.fragments import (
    FRAGMENT_FIELDS,
    fragment_to_dict,
    parse_fragments,
    read_fragments,
    try_read_fragments,
    write_fragments_jsonl,
)
from symphonia.interchange.ratings import (
    check_items_against_fragments,
    check_ratings_against_scale,
    parse_rating_items,
    parse_ratings,
    rating_item_to_dict,
    rating_to_dict,
    read_rating_items,
    read_ratings,
    try_read_rating_items,
    try_read_ratings,
    write_rating_items_jsonl,
    write_ratings_jsonl,
)
from symphonia.interchange.writing import dumps_jsonl

__all__ = [
    "FRAGMENT_FIELDS",
    "MAX_ERRORS",
    "InterchangeError",
    "Issue",
    "ReadResult",
    "check_items_against_fragments",
    "check_ratings_against_scale",
    "dumps_jsonl",
    "fragment_to_dict",
    "parse_fragments",
    "parse_rating_items",
    "parse_ratings",
    "rating_item_to_dict",
    "rating_to_dict",
    "read_fragments",
    "read_rating_items",
    "read_ratings",
    "try_read_fragments",
    "try_read_rating_items",
    "try_read_ratings",
    "write_fragments_jsonl",
    "write_rating_items_jsonl",
    "write_ratings_jsonl",
]
