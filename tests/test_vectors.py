"""WordVectors queries, file formats, evaluation and plot, on hand-made vectors and files."""

import gzip

import numpy as np
import pytest

from llm_tf.cli import build_parser
from llm_tf.errors import UserInputError
from llm_tf.vector_eval import (
    evaluate_analogies,
    evaluate_similarity,
    pca_2d,
    plot_pca,
    rankdata,
    spearman,
)
from llm_tf.vectors import WordVectors

# Royalty along axis 0, gender along axis 1, plus fruit far away: king - man + woman = queen.
WORDS = ["king", "queen", "man", "woman", "apple", "pear", "中国", "北京"]
VECTORS = np.array(
    [
        [1.0, 1.0, 0.1],
        [1.0, -1.0, 0.1],
        [0.1, 1.0, 0.0],
        [0.1, -1.0, 0.0],
        [0.0, 0.1, 2.0],
        [0.1, 0.0, 2.0],
        [-1.0, 0.2, 0.5],
        [-1.0, 0.1, 0.6],
    ]
)


@pytest.fixture
def wv():
    return WordVectors(WORDS, VECTORS)


def test_similarity_is_cosine(wv):
    a, b = VECTORS[0], VECTORS[1]
    assert wv.similarity("king", "queen") == pytest.approx(
        a @ b / np.linalg.norm(a) / np.linalg.norm(b)
    )
    assert wv.similarity("apple", "apple") == pytest.approx(1.0)


def test_most_similar_excludes_the_query_and_sorts(wv):
    near = wv.most_similar("apple", topn=3)
    assert near[0][0] == "pear" and "apple" not in [w for w, _ in near]
    scores = [s for _, s in near]
    assert scores == sorted(scores, reverse=True)
    assert wv.most_similar("中国", topn=1)[0][0] == "北京"
    assert len(wv.most_similar("king", topn=100)) == len(WORDS) - 1


def test_analogy_is_3cosadd(wv):
    assert wv.analogy("man", "king", "woman")[0][0] == "queen"
    unit = VECTORS / np.linalg.norm(VECTORS, axis=1, keepdims=True)
    target = unit[0] - unit[2] + unit[3]
    scores = unit @ target / np.linalg.norm(target)
    scores[[0, 2, 3]] = -np.inf
    assert wv.analogy("man", "king", "woman")[0][1] == pytest.approx(scores.max(), rel=1e-6)


def test_unknown_word_is_named(wv):
    with pytest.raises(UserInputError, match="'prince'"):
        wv.most_similar("prince")


@pytest.mark.parametrize("name", ["v.txt", "v.txt.gz"])
def test_word2vec_text_format_round_trip(wv, tmp_path, name):
    path = tmp_path / name
    wv.save_word2vec_format(path)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert lines[0] == "8 3"  # gensim's load_word2vec_format reads this header
    assert lines[7].split(" ")[0] == "中国" and len(lines[7].split(" ")) == 4
    back = WordVectors.load_word2vec_format(path)
    assert back.words == WORDS
    np.testing.assert_allclose(back.vectors, VECTORS, rtol=1e-5)


def test_loading_reports_bad_files(tmp_path):
    with pytest.raises(UserInputError, match="not found"):
        WordVectors.load_word2vec_format(tmp_path / "none.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("hello world\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="count dim"):
        WordVectors.load_word2vec_format(bad)
    bad.write_text("1 3\nword 1 2\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="line 2"):
        WordVectors.load_word2vec_format(bad)
    with pytest.raises(UserInputError, match="whitespace"):
        WordVectors(["a b"], np.ones((1, 2))).save_word2vec_format(tmp_path / "x.txt")


def test_projector_files(wv, tmp_path):
    vec, meta = wv.export_projector(tmp_path / "proj")
    rows = vec.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 8 and all(len(r.split("\t")) == 3 for r in rows)
    assert meta.read_text(encoding="utf-8").splitlines() == WORDS


def test_spearman_against_closed_forms():
    x, y = [1, 2, 3, 4, 5], [5, 6, 7, 8, 7]
    # without ties in x: 1 - 6 Σd² / (n(n²-1)) needs untied y too, so use another y
    y2 = [2, 1, 4, 3, 5]
    d = np.array([1, 2, 3, 4, 5]) - np.array([2, 1, 4, 3, 5])
    assert spearman(x, y2) == pytest.approx(1 - 6 * (d**2).sum() / (5 * 24))
    np.testing.assert_allclose(rankdata([10, 20, 20, 30]), [1, 2.5, 2.5, 4])
    rx, ry = rankdata(x), rankdata(y)  # with ties: Pearson on average ranks
    assert spearman(x, y) == pytest.approx(np.corrcoef(rx, ry)[0, 1])
    assert spearman(x, [-v for v in x]) == pytest.approx(-1.0)


def test_similarity_evaluation_reports_coverage(wv, tmp_path):
    tsv = tmp_path / "sim.tsv"
    tsv.write_text(
        "# Word 1\tWord 2\tHuman (mean)\n"
        "King\tqueen\t8.0\napple\tpear\t9.0\nking\tapple\t1.0\nman\tprince\t5.0\n",
        encoding="utf-8",
    )
    r = evaluate_similarity(wv, tsv)
    assert (r.pairs, r.covered, r.skipped) == (4, 3, 1) and r.coverage == pytest.approx(0.75)
    cos = [
        wv.similarity("king", "queen"),
        wv.similarity("apple", "pear"),
        wv.similarity("king", "apple"),
    ]
    assert r.spearman == pytest.approx(spearman([8.0, 9.0, 1.0], cos))
    assert evaluate_similarity(wv, tsv, lower=False).covered == 2  # "King" is unknown
    tsv.write_text("a\tb\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="line 1"):
        evaluate_similarity(wv, tsv)


def test_analogy_evaluation_counts_sections_and_skips(wv, tmp_path):
    qa = tmp_path / "q.txt"
    qa.write_text(
        ": royalty\nman king woman queen\nwoman queen man king\nman king woman apple\n"
        ": unknown\nman king prince princess\n",
        encoding="utf-8",
    )
    r = evaluate_analogies(wv, qa)
    assert (r.questions, r.covered, r.correct, r.skipped) == (4, 3, 2, 1)
    assert r.accuracy == pytest.approx(2 / 3)
    assert r.sections == {"royalty": (2, 3)}
    r2 = evaluate_analogies(wv, qa, restrict_vocab=3)  # "woman" is word 4: nothing covered
    assert r2.covered == 0


def test_pca_and_plot(wv, tmp_path):
    rng = np.random.default_rng(0)
    plane = rng.normal(size=(20, 2)) @ rng.normal(size=(2, 6))  # rank-2 points in 6-D
    xy = pca_2d(plane)
    d_in = np.linalg.norm(plane[:, None] - plane[None], axis=-1)
    d_out = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
    np.testing.assert_allclose(d_out, d_in, atol=1e-8)  # a rank-2 cloud keeps its distances
    path = plot_pca(wv, ["king", "queen", "man", "woman", "中国", "nope"], tmp_path / "p.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(UserInputError, match="two words"):
        plot_pca(wv, ["king", "nope"], tmp_path / "q.png")


def test_cli_vectors_commands(wv, tmp_path, capsys):
    parser = build_parser()  # the real `llm-tf` parser
    vec = tmp_path / "v.txt"
    wv.save_word2vec_format(vec)

    def run(*argv):
        args = parser.parse_args(list(argv))
        return args.func(args)

    assert (
        run(
            "vectors",
            "similar",
            "--vectors",
            str(vec),
            "king",
            "woman",
            "--minus",
            "man",
            "--topn",
            "1",
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("queen\t")
    tsv, qa = tmp_path / "s.tsv", tmp_path / "q.txt"
    tsv.write_text("king\tqueen\t8\napple\tpear\t9\nking\tapple\t1\n", encoding="utf-8")
    qa.write_text(": royalty\nman king woman queen\n", encoding="utf-8")
    assert (
        run(
            "vectors",
            "evaluate",
            "--vectors",
            str(vec),
            "--similarity",
            str(tsv),
            "--analogy",
            str(qa),
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "3/3 pairs" in out and "accuracy 1.0000" in out
    assert (
        run(
            "vectors",
            "plot",
            "--vectors",
            str(vec),
            "--out",
            str(tmp_path / "p.png"),
            "king",
            "queen",
            "apple",
        )
        == 0
    )
    assert run("vectors", "projector", "--vectors", str(vec), "--out", str(tmp_path / "pr")) == 0
    assert (tmp_path / "pr" / "metadata.tsv").is_file()
    with pytest.raises(UserInputError, match="missing.txt"):
        run("vectors", "similar", "--vectors", str(tmp_path / "missing.txt"), "king")
    with pytest.raises(UserInputError, match="--similarity"):
        run("vectors", "evaluate", "--vectors", str(vec))
