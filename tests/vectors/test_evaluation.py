"""Similarity and analogy evaluation, Spearman's rho, the PCA plot and `llm-tf vectors ...`."""

import numpy as np
import pytest

from llm_tf.errors import UserInputError
from llm_tf.vectors.evaluation import (
    evaluate_analogies,
    evaluate_similarity,
    pca_2d,
    plot_pca,
    rankdata,
    spearman,
)


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


def test_cli_vectors_commands(parser, wv, tmp_path, capsys):
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
