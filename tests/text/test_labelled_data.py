"""Labelled documents: folder-per-label, TSV and JSONL; every bad input; the stratified split."""

import json

import numpy as np
import pytest

from llm_tf.errors import UserInputError
from llm_tf.text.labelled_data import (
    LabelledTexts,
    load_labelled,
    read_folder,
    read_jsonl,
    read_tsv,
    stratified_split,
)

DOCS = [("sport", "The team won."), ("weather", "今天下雨。"), ("sport", "A goal!"),
        ("food", "Soup\twith a tab.")]


def _folder(root, docs=DOCS):
    for i, (label, text) in enumerate(docs):
        (root / label).mkdir(parents=True, exist_ok=True)
        (root / label / f"{i:03d}.txt").write_text(text + "\n", encoding="utf-8")
    return root


def _tsv(path, docs=DOCS, header=True):
    lines = (["label\ttext"] if header else []) + [f"{label}\t{text}" for label, text in docs]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _jsonl(path, docs=DOCS):
    path.write_text("".join(json.dumps({"label": label, "text": text, "id": i},
                                       ensure_ascii=False) + "\n"
                            for i, (label, text) in enumerate(docs)), encoding="utf-8")
    return path


def _check(data: LabelledTexts, order):
    assert data.label_names == ["food", "sport", "weather"]
    assert sorted(zip(data.texts, data.labels.tolist(), strict=True)) == sorted(
        (text, data.label_names.index(label)) for label, text in order)
    assert data.labels.dtype == np.int64
    assert data.counts() == {"food": 1, "sport": 2, "weather": 1}
    assert len(data) == 4 and data.num_classes == 3


def test_all_three_formats_read_the_same_documents(tmp_path):
    folder = load_labelled(_folder(tmp_path / "docs"))
    tsv = load_labelled(_tsv(tmp_path / "docs.tsv"))
    jsonl = load_labelled(_jsonl(tmp_path / "docs.jsonl"))
    for data in (folder, tsv, jsonl):
        _check(data, DOCS)
    # the folder is read label by label, the files line by line
    assert folder.texts == ["Soup\twith a tab.", "The team won.", "A goal!", "今天下雨。"]
    assert tsv.texts == jsonl.texts == [t for _, t in DOCS]
    assert tsv.sources[0].endswith("docs.tsv:2") and jsonl.sources[0].endswith("docs.jsonl:1")
    assert folder.sources[0].endswith("food/003.txt")


def test_explicit_formats_headerless_tsv_int_labels_and_bom(tmp_path):
    p = _tsv(tmp_path / "data.txt", header=False)
    _check(load_labelled(p, format="tsv"), DOCS)
    _check(read_tsv(p), DOCS)
    q = tmp_path / "ints.jsonl"
    q.write_text('{"label": 1, "text": "a"}\n\n{"label": 0, "text": "b"}\n', encoding="utf-8")
    data = read_jsonl(q)
    assert data.label_names == ["0", "1"] and data.labels.tolist() == [1, 0]
    b = tmp_path / "bom.tsv"
    b.write_bytes("\ufeffx\tone\ny\ttwo\n".encode())
    assert read_tsv(b).label_names == ["x", "y"]


def test_label_names_impose_the_training_mapping(tmp_path):
    p = _tsv(tmp_path / "val.tsv", docs=[("weather", "rain")])  # a single label is fine here
    data = load_labelled(p, label_names=["food", "sport", "weather"])
    assert data.labels.tolist() == [2] and data.counts() == {"food": 0, "sport": 0, "weather": 1}
    with pytest.raises(UserInputError, match="outside label_names: 'weather'"):
        load_labelled(p, label_names=["food", "sport"])
    with pytest.raises(UserInputError, match="two or more distinct"):
        load_labelled(p, label_names=["weather"])


def test_keras_layout_nested_files_and_hidden_folders(tmp_path):
    root = _folder(tmp_path / "d")
    (root / "sport" / "more").mkdir()
    (root / "sport" / "more" / "x.txt").write_text("Nested.", encoding="utf-8")
    (root / "sport" / "notes.md").write_text("ignored", encoding="utf-8")
    (root / ".cache").mkdir()
    (root / "readme.txt").write_text("not a document: not in a label folder", encoding="utf-8")
    data = read_folder(root)
    assert data.label_names == ["food", "sport", "weather"]
    assert "Nested." in data.texts and len(data) == 5


def test_subset_and_split_keep_the_label_names(tmp_path):
    data = load_labelled(_tsv(tmp_path / "d.tsv"))
    sub = data.subset([3, 0])
    assert sub.texts == ["Soup\twith a tab.", "The team won."]
    assert sub.labels.tolist() == [0, 1] and sub.label_names == data.label_names
    parts = data.split((0.5, 0.5), seed=1)
    assert sum(len(p) for p in parts) == 4


# ---------------------------------------------------------------- bad input
def _write(path, content):
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("name, content, match", [
    ("empty.tsv", "", "empty.tsv' is empty"),
    ("blank.jsonl", "\n  \n", "blank.jsonl' is empty"),
    ("header.tsv", "label\ttext\n", "header.tsv' is empty"),
    ("notab.tsv", "a\tone\nb two\n", "notab.tsv' line 2: expected 'label<TAB>text', found no tab"),
    ("nolabel.tsv", "a\tone\n\tfoo\n", "line 2: the label is empty"),
    ("notext.tsv", "a\tone\nb\t \n", "line 2: the text is empty"),
    ("single.tsv", "a\tone\na\ttwo\n", "single label \\('a'\\)"),
    ("bad.jsonl", '{"label": "a", "text": "x"}\n\n{"label": "b", "text": \n', "bad.jsonl' line 3 is not valid JSON"),
    ("list.jsonl", '["a", "x"]\n', "line 1: expected a JSON object"),
    ("nokey.jsonl", '{"label": "a"}\n', "line 1: the object has no 'text' key"),
    ("badlabel.jsonl", '{"label": [1], "text": "x"}\n', "'label' must be a string or an integer"),
    ("badtext.jsonl", '{"label": "a", "text": 5}\n', "'text' must be a string"),
    ("latin.tsv", "a\tok\nb\tcaf\u00e9\n".encode("latin-1"),
     "latin.tsv' is not UTF-8 text \\(byte 0xe9 at byte offset 10, line 2\\)"),
])
def test_bad_files(tmp_path, name, content, match):
    p = _write(tmp_path / name, content)
    with pytest.raises(UserInputError, match=match):
        load_labelled(p)


def test_bad_paths_and_folders(tmp_path):
    with pytest.raises(UserInputError, match="labelled data not found: .*nope.tsv"):
        load_labelled(tmp_path / "nope.tsv")
    with pytest.raises(UserInputError, match="cannot tell the format of .*x.csv"):
        load_labelled(_write(tmp_path / "x.csv", "a,b\n"))
    with pytest.raises(UserInputError, match="format must be one of"):
        load_labelled(tmp_path, format="csv")
    flat = tmp_path / "flat"
    flat.mkdir()
    _write(flat / "a.txt", "text")
    with pytest.raises(UserInputError, match="flat' has no label sub-folders"):
        load_labelled(flat)
    one = _folder(tmp_path / "one", docs=[("sport", "a"), ("sport", "b")])
    with pytest.raises(UserInputError, match="one' has a single label \\('sport'\\)"):
        load_labelled(one)
    empty_label = _folder(tmp_path / "el")
    (empty_label / "tech").mkdir()
    with pytest.raises(UserInputError, match="label folder .*tech' holds no .txt files"):
        load_labelled(empty_label)
    blank_doc = _folder(tmp_path / "bd")
    _write(blank_doc / "food" / "blank.txt", " \n")
    with pytest.raises(UserInputError, match="document .*blank.txt' is empty"):
        load_labelled(blank_doc)
    latin = _folder(tmp_path / "lat")
    _write(latin / "food" / "latin.txt", "caf\u00e9".encode("latin-1"))
    with pytest.raises(UserInputError, match="latin.txt' is not UTF-8 text \\(byte 0xe9 at byte offset 3"):
        load_labelled(latin)
    with pytest.raises(UserInputError, match="is a folder, expected a file"):
        read_tsv(tmp_path)


def test_inconsistent_lengths_are_rejected():
    with pytest.raises(UserInputError, match="one entry per document"):
        LabelledTexts(["a"], np.array([0, 1]), ["x", "y"], ["s"])
    with pytest.raises(UserInputError, match="labels must lie in"):
        LabelledTexts(["a"], np.array([2]), ["x", "y"], ["s"])


# ---------------------------------------------------------------- stratified split
def test_stratified_split_is_exact_deterministic_and_disjoint():
    labels = np.array([0] * 50 + [1] * 30 + [2] * 20)
    train, val, test = stratified_split(labels, (0.7, 0.2, 0.1), seed=3)
    assert [np.bincount(labels[p], minlength=3).tolist() for p in (train, val, test)] == [
        [35, 21, 14], [10, 6, 4], [5, 3, 2]]
    assert sorted(np.concatenate([train, val, test]).tolist()) == list(range(100))
    assert all(np.all(np.diff(p) > 0) for p in (train, val, test))  # ascending
    again = stratified_split(labels, (0.7, 0.2, 0.1), seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((train, val, test), again, strict=True))
    other = stratified_split(labels, (0.7, 0.2, 0.1), seed=4)
    assert not np.array_equal(train, other[0])


def test_stratified_split_rounds_by_largest_remainder():
    # 7 items at (0.5, 0.25, 0.25): exact 3.5, 1.75, 1.75 -> floors 3, 1, 1, two left over go
    # to the largest remainders (0.75, 0.75) -> 3, 2, 2
    parts = stratified_split([5] * 7, (0.5, 0.25, 0.25), seed=0)
    assert [len(p) for p in parts] == [3, 2, 2]
    assert [len(p) for p in stratified_split([0, 1], (0.9, 0.1))] == [2, 0]


@pytest.mark.parametrize("fractions", [(0.5, 0.4), (0.5, 0.6, -0.1), (1.0, 0.0), ()])
def test_stratified_split_rejects_bad_fractions(fractions):
    with pytest.raises(UserInputError, match="fractions must be positive numbers summing to 1"):
        stratified_split([0, 1, 0, 1], fractions)


def test_stratified_split_rejects_non_integer_labels():
    with pytest.raises(UserInputError, match="labels must be a 1-D sequence of integers"):
        stratified_split([0.5, 1.0], (0.5, 0.5))
