"""Locating an undecodable byte, and keeping pyarrow's print of it out of stderr."""

from __future__ import annotations

import sys
from types import SimpleNamespace

from pipeline.io.undecodable import Undecodable, locate_undecodable, row_decode_errors_unprinted


def test_a_file_that_decodes_has_no_location(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("a,b\né,ü\n".encode())
    assert locate_undecodable(path, "utf-8", ",") is None


def test_line_byte_and_field_of_the_first_undecodable_byte(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"a;b;c\nx;y;z\n1;2\xff;3\n4;\xff;6\n")
    assert locate_undecodable(path, "utf-8", ";") == Undecodable(line=3, byte=4, field=1)


def test_separators_inside_quotes_do_not_count(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b'a,b,c\n"x,""y"",z",w,\xff\n')
    assert locate_undecodable(path, "utf-8", ",") == Undecodable(line=2, byte=15, field=2)


def test_a_multibyte_character_before_the_byte_counts_its_bytes(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("a,b\né,".encode() + b"\x81\n")
    assert locate_undecodable(path, "utf-8", ",") == Undecodable(line=2, byte=4, field=1)
    path.write_bytes(b"a,b\n\xe9,\x81\n")  # cp1252 leaves 0x81 undefined
    assert locate_undecodable(path, "cp1252", ",") == Undecodable(line=2, byte=3, field=1)


def _unraisable(obj, exc):
    return SimpleNamespace(object=obj, exc_value=exc, exc_type=type(exc), exc_traceback=None)


def test_only_the_handlers_decode_errors_are_dropped_and_the_hook_is_restored(monkeypatch):
    passed_on = []
    monkeypatch.setattr(sys, "unraisablehook", passed_on.append)

    def handler(row):
        return "skip"

    def other(row):
        return "skip"

    decode = UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
    with row_decode_errors_unprinted(handler):
        sys.unraisablehook(_unraisable(handler, decode))
        sys.unraisablehook(_unraisable(handler, ValueError("not a decode error")))
        sys.unraisablehook(_unraisable(other, decode))
    assert [(u.object, type(u.exc_value)) for u in passed_on] == [
        (handler, ValueError),
        (other, UnicodeDecodeError),
    ]
    assert sys.unraisablehook == passed_on.append
