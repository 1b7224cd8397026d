import gzip

import pytest

from llm_tf.errors import UserInputError
from llm_tf.text.corpus import corpus_files, iter_lines, sample_text


def test_reads_file_gz_and_folder(tmp_path):
    (tmp_path / "a.txt").write_text("one\n\n two \r\nthree", encoding="utf-8")
    with gzip.open(tmp_path / "b.txt.gz", "wt", encoding="utf-8") as f:
        f.write("四\n五\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.txt").write_text("six\n", encoding="utf-8")
    (tmp_path / "ignored.bin").write_bytes(b"\x00\x01")
    assert list(iter_lines(tmp_path / "a.txt")) == ["one", " two ", "three"]
    assert list(iter_lines(tmp_path / "b.txt.gz")) == ["四", "五"]
    assert list(iter_lines(tmp_path)) == ["one", " two ", "three", "四", "五", "six"]
    assert [f.name for f in corpus_files(tmp_path)] == ["a.txt", "b.txt.gz", "c.txt"]


def test_bom_is_stripped(tmp_path):
    p = tmp_path / "bom.txt"
    p.write_bytes("\ufeffhello\n".encode())
    assert list(iter_lines(p)) == ["hello"]


def test_streaming_is_lazy(tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("x\n" * 1000, encoding="utf-8")
    it = iter_lines(p)
    assert next(it) == "x"  # a generator: nothing read up front beyond the sniff


@pytest.mark.parametrize(
    "content, match",
    [
        (b"\x7fELF\x00\x00\x01", "binary"),
        ("caf\u00e9 na\u00efve".encode("latin-1"), "not UTF-8"),
    ],
)
def test_bad_files(tmp_path, content, match):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(UserInputError, match=match):
        list(iter_lines(p))


def test_non_utf8_after_sniff_window(tmp_path):
    p = tmp_path / "late.txt"
    p.write_bytes(b"ok line\n" * 20000 + "caf\u00e9\n".encode("latin-1"))
    with pytest.raises(UserInputError, match="not UTF-8"):
        list(iter_lines(p))


def test_missing_and_empty_folder(tmp_path):
    with pytest.raises(UserInputError, match="not found"):
        corpus_files(tmp_path / "nope.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserInputError, match="no .txt"):
        corpus_files(tmp_path / "empty")


def test_bad_gzip(tmp_path):
    p = tmp_path / "x.txt.gz"
    p.write_bytes(b"not gzip at all")
    with pytest.raises(UserInputError, match="cannot read"):
        corpus_files(p)


def test_sample_text(tmp_path):
    p = tmp_path / "s.txt"
    p.write_text("abc\n" * 100, encoding="utf-8")
    assert len(sample_text(p, max_chars=20)) < 30
