"""locate_broken_line: the exact physical line of a bare CR or a field left open at a line end."""

from __future__ import annotations

import pytest

from pipeline.io import broken_lines
from pipeline.io.broken_lines import BARE_CR, OPEN_QUOTE, locate_broken_line


def located(tmp_path, content: bytes, separator: str = ","):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    return locate_broken_line(path, separator)


def test_a_clean_file_with_crlf_ends_escaped_quotes_and_inch_marks_has_no_broken_line(tmp_path):
    content = b'a,b,c\r\n1,"x ""y"" z",3\r\n2,5",4\r\n3,"a;b\tc",5\r\n'
    assert located(tmp_path, content) is None


@pytest.mark.parametrize("chunk", [7, 1 << 24])
def test_the_first_broken_line_is_found_across_chunks(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(broken_lines, "_CHUNK", chunk)
    good = b"".join(b"%d,x,y\n" % i for i in range(50))
    content = b"a,b,c\n" + good + b'7,"open\nrest",z\n' + good + b"8,x\ry,z\n"
    found = located(tmp_path, content)
    assert (found.line, found.field, found.problem) == (52, 1, OPEN_QUOTE)


def test_a_bare_cr_before_an_open_quote_is_named_first(tmp_path):
    content = b'a;b;c\n1;2;3\r4\n5;"x\n'
    found = located(tmp_path, content, ";")
    assert (found.line, found.field, found.problem) == (2, 2, BARE_CR)


def test_a_cr_at_the_very_end_of_the_file_is_bare(tmp_path):
    found = located(tmp_path, b"a,b\n1,2\r")
    assert (found.line, found.field, found.problem) == (2, 1, BARE_CR)


def test_a_separator_inside_quotes_does_not_count_as_a_field(tmp_path):
    found = located(tmp_path, b'a,b,c,d\n"1,2",x,"open\n')
    assert (found.line, found.field) == (2, 2)
