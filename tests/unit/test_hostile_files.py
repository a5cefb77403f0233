"""Files that are not what they claim: refused by every reader, quickly, with file and line.

Covers the shared machinery (:mod:`symphonia.interchange.files`, `.csvtext`) and each reader
that uses it: fragments, ratings, rating items, study.toml and a Polis export.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from symphonia.interchange import try_read_fragments, try_read_rating_items, try_read_ratings
from symphonia.interchange.csvtext import MalformedCsv, csv_rows
from symphonia.interchange.files import InputFileError, read_bytes, write_atomically
from symphonia.polis import PolisExportError, read_polis_export
from symphonia.studyfiles import StudyFileError, load_study

READERS = {
    "fragments": try_read_fragments,
    "ratings": try_read_ratings,
    "items": try_read_rating_items,
}

# -- strict CSV ------------------------------------------------------------------------------


def test_an_unclosed_quote_is_refused_with_the_line_it_opens_on() -> None:
    text = 'id,author,kind,text\nf1,E01,claim,"fine"\nf2,E01,claim,"never closed\nf3,E02,claim,x\n'
    rows = csv_rows(text)
    assert next(rows) == (1, ["id", "author", "kind", "text"])
    assert next(rows) == (2, ["f1", "E01", "claim", "fine"])
    with pytest.raises(MalformedCsv) as refused:
        next(rows)
    assert refused.value.line == 3
    assert "never closed" in refused.value.reason


def test_a_stray_quote_after_a_quoted_cell_is_refused() -> None:
    with pytest.raises(MalformedCsv, match="closing quote must be followed by a comma"):
        list(csv_rows('a,b\n"x"y,z\n'))


def test_quoted_cells_spanning_lines_still_read() -> None:
    assert list(csv_rows('a,b\n"one\ntwo",3\nx,4\n')) == [
        (1, ["a", "b"]),
        (2, ["one\ntwo", "3"]),
        (4, ["x", "4"]),
    ]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("fragments", 'id,author,kind,text\nf1,E01,claim,"open\nf2,E02,claim,swallowed\n'),
        ("ratings", 'item,rater,score\ns1,E01,7\n"s2,E02,8\ns3,E03,9\n'),
        ("items", 'id,text,fragment_ids\ns1,"unclosed,f1\ns2,two,f2\n'),
    ],
)
def test_every_csv_reader_refuses_an_unclosed_quote(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / f"{name}.csv"
    path.write_text(text)
    read = READERS[name](path)
    assert not read.ok
    assert not read.records
    [issue] = read.errors
    assert issue.field == "(csv)"
    assert "never closed" in issue.reason
    assert issue.line == (3 if name == "ratings" else 2)


POLIS_HEADER = "comment-id,comment-body,author-id,moderated,agrees,disagrees,timestamp,datetime"


def test_a_polis_export_with_an_unclosed_quote_is_refused(polis_mini: Path) -> None:
    comments = polis_mini / "comments.csv"
    comments.write_text(
        f"{POLIS_HEADER}\n"
        "1,Fine comment,10,1,1,0,1700000000000,x\n"
        '2,"Publish the figures monthly,11,0,2,0,1700000100000,x\n'
        "3,Swallowed by the open quote,12,1,1,0,1700000200000,x\n"
    )
    with pytest.raises(PolisExportError) as refused:
        read_polis_export(polis_mini)
    assert f"{comments}:3: (csv):" in str(refused.value)
    assert "never closed" in str(refused.value)


def test_polis_votes_with_an_unclosed_quote_are_refused(polis_mini: Path) -> None:
    votes = polis_mini / "votes.csv"
    votes.write_text(votes.read_text() + '1,"2,3,1\n')
    with pytest.raises(PolisExportError, match="never closed") as refused:
        read_polis_export(polis_mini)
    assert str(votes) in str(refused.value)


# -- numbers of thousands of digits ----------------------------------------------------------

HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("name", "text", "field"),
    [
        ("fragments", f"id,author,kind,text,confidence\nf1,E01,claim,t,{HUGE}\n", "confidence"),
        ("ratings", f"item,rater,score\ns1,E01,{HUGE}\n", "score"),
        ("ratings", f"item,rater,score\ns1,E01,-{HUGE[:30]}\n", "score"),
    ],
)
def test_numbers_of_thousands_of_digits_in_csv(
    tmp_path: Path, name: str, text: str, field: str
) -> None:
    path = tmp_path / f"{name}.csv"
    path.write_text(text)
    [issue] = READERS[name](path).errors
    assert issue.field == field
    assert "digits long" in issue.reason
    assert len(issue.reason) < 120, "the number itself is not pasted into the message"


def test_numbers_of_thousands_of_digits_in_json(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(f'{{"item": "s1", "rater": "E01", "score": {HUGE}}}\n')
    [issue] = try_read_ratings(path).errors
    assert issue.line == 1
    assert "thousands of digits" in issue.reason
    assert "set_int_max_str_digits" not in issue.reason
    path.write_text(f'{{"item": "s1", "rater": "E01", "score": 1{"0" * 40}}}\n')
    [issue] = try_read_ratings(path).errors
    assert issue.field == "score"
    assert "41 digits long" in issue.reason


def test_polis_ids_of_thousands_of_digits(polis_mini: Path) -> None:
    comments = polis_mini / "comments.csv"
    comments.write_text(f"{POLIS_HEADER}\n1,A comment,{HUGE},1,1,0,1700000000000,x\n")
    with pytest.raises(PolisExportError) as refused:
        read_polis_export(polis_mini)
    message = str(refused.value)
    assert f"{comments}:2: author-id: must be a whole number" in message
    assert len(message) < 400


# -- not a regular file ----------------------------------------------------------------------


def test_a_symlink_to_dev_zero_is_refused_at_once(tmp_path: Path) -> None:
    link = tmp_path / "f.jsonl"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputFileError, match="character device, not a regular file"):
        read_bytes(link)
    read = try_read_fragments(link)
    assert "character device" in read.errors[0].reason


@pytest.mark.timeout(10)
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "f.jsonl"
    os.mkfifo(fifo)
    for reader in READERS.values():
        read = reader(fifo)
        assert "FIFO (named pipe), not a regular file" in read.errors[0].reason
    (tmp_path / "study").mkdir()
    os.mkfifo(tmp_path / "study" / "study.toml")
    with pytest.raises(StudyFileError, match="FIFO"):
        load_study(tmp_path / "study")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").mkdir()
    assert "a directory" in try_read_fragments(tmp_path / "d.jsonl").errors[0].reason


def test_files_past_the_cap_are_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("wb") as handle:
        handle.truncate(2048)  # sparse: a size, no data to read
    with pytest.raises(InputFileError, match="2048 bytes; the limit is 1024 bytes"):
        read_bytes(path, limit=1024)
    assert read_bytes(path, limit=4096) == b"\0" * 2048


def test_polis_files_that_are_devices_are_refused(polis_mini: Path) -> None:
    (polis_mini / "votes.csv").unlink()
    (polis_mini / "votes.csv").symlink_to("/dev/zero")
    with pytest.raises(PolisExportError, match="character device"):
        read_polis_export(polis_mini)


# -- writing atomically ----------------------------------------------------------------------


def test_a_failed_write_leaves_the_previous_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.md"
    target.write_text("the good report\n")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(target, "a new report " * 1000)
    assert target.read_text() == "the good report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"], "no temporary file left"


def test_writing_atomically_replaces_and_is_readable(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.json"
    write_atomically(target, "{}\n")
    write_atomically(target, '{"a": 1}\n')
    assert target.read_text() == '{"a": 1}\n'
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    with pytest.raises(IsADirectoryError):
        write_atomically(tmp_path / "sub", "x")


@pytest.mark.timeout(10)
def test_a_pipe_or_device_target_is_written_through_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError, match="a FIFO that no process is reading from"):
        write_atomically(fifo, "{}\n")  # nobody reads: refused at once, not waited on
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_atomically(fifo, '{"a": 1}\n')
        assert os.read(reader, 100) == b'{"a": 1}\n'
    finally:
        os.close(reader)
    assert fifo.is_fifo(), "the FIFO itself is still there"
    null = tmp_path / "null"
    null.symlink_to("/dev/null")
    write_atomically(null, "discarded")
    assert null.is_symlink()
    assert Path("/dev/null").is_char_device()
