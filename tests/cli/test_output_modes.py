"""What the commands print (issue 13): word-vector analogies with ``--plus`` / ``--minus``
in any order, ``--json`` figures alone on stdout, ``--quiet`` trainers that print only
their result lines. The same for the other commands, on the runs their own tests train:
test_lm_commands.py (no CUDA noise and one device line, in a fresh process),
test_train_options.py, test_qa.py, test_translate.py, test_classify.py."""

import json

import pytest

from llm_tf.cli import main
from tests.paths import DATA

LM_TINY = ["--max-steps", "2", "--seq-len", "8", "--batch-size", "4", "--embedding-dim", "8",
           "--units", "8", "--no-xla"]
# king - man + woman is queen exactly; apple points elsewhere
VECTORS = "5 3\nking 1 1 0\nman 1 0 0\nwoman 0 0 1\nqueen 0 1 1\napple -1 0.2 -0.5\n"


def run_cli(capsys, *argv):
    capsys.readouterr()
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def device_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith("llm-tf: device: ")]


# ---------------------------------------------------------------- word vectors
@pytest.fixture
def vectors(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text(VECTORS, encoding="utf-8")
    return path


@pytest.mark.parametrize("query", [
    ["king", "--minus", "man", "--plus", "woman"],
    ["--minus", "man", "--plus", "woman", "king"],
    ["king", "--minus", "man", "woman"],  # a WORD after --minus is still a WORD
    ["king", "woman", "--minus", "man"],
    ["--plus", "king", "--minus", "man", "--plus", "woman"],
])
def test_similar_takes_plus_and_minus_in_any_order(capsys, vectors, query):
    rc, out, err = run_cli(capsys, "vectors", "similar", "--vectors", vectors, *query,
                           "--topn", "2")
    assert rc == 0, err
    assert [ln.split("\t")[0] for ln in out.splitlines()] == ["queen", "apple"]


def test_similar_with_only_minus_is_one_line(capsys, vectors):
    rc, out, err = run_cli(capsys, "vectors", "similar", "--vectors", vectors, "--minus", "man")
    assert rc == 2 and not out and err.count("\n") == 1 and "--plus WORD" in err


def test_vectors_evaluate_json(capsys, vectors, tmp_path):
    (tmp_path / "sim.tsv").write_text("king\tqueen\t9\nman\twoman\t7\napple\tking\t1\n"
                                      "king\tzebra\t3\n", encoding="utf-8")
    (tmp_path / "analogy.txt").write_text(": family\nman woman king queen\n"
                                          "man king woman queen\n", encoding="utf-8")
    rc, out, err = run_cli(capsys, "vectors", "evaluate", "--vectors", vectors, "--similarity",
                           tmp_path / "sim.tsv", "--analogy", tmp_path / "analogy.txt", "--json")
    assert rc == 0, err
    r = json.loads(out)
    assert r["similarity"]["pairs"] == 4 and r["similarity"]["covered"] == 3
    assert r["similarity"]["skipped"] == 1 and -1 <= r["similarity"]["spearman"] <= 1
    assert r["analogy"]["questions"] == 2 and r["analogy"]["correct"] == 2
    assert r["analogy"]["accuracy"] == 1.0 and r["analogy"]["sections"] == {
        "family": {"correct": 2, "covered": 2}}
    rc, text, _ = run_cli(capsys, "vectors", "evaluate", "--vectors", vectors, "--analogy",
                          tmp_path / "analogy.txt")
    assert rc == 0 and "accuracy 1.0000 (2/2)" in text


def _corpus(tmp_path, n=300):
    lines = (DATA / "corpus.en.txt").read_text(encoding="utf-8").splitlines()[:n]
    path = tmp_path / "en.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow  # ~10 s on 2 busy cores: a word2vec training
def test_word2vec_quiet_json(capsys, tmp_path):
    rc, out, err = run_cli(capsys, "word2vec", "--corpus", _corpus(tmp_path), "--out",
                           tmp_path / "w", "--min-count", "2", "--dim", "8", "--epochs", "1",
                           "--quiet", "--json")
    assert rc == 0, err
    r = json.loads(out)
    assert r["dim"] == 8 and r["vectors"] > 50 and r["seconds"] > 0
    assert r["vectors_file"] == str(tmp_path / "w" / "vectors.txt") and len(r["neighbours"]) == 3
    assert not device_lines(err)
    # words/s as gensim counts it: in-vocabulary tokens x epochs over the whole time
    counts = json.loads((tmp_path / "w" / "vocab.json").read_text(encoding="utf-8"))["counts"]
    assert r["epochs_trained"] == 1
    assert r["words_per_second"] == pytest.approx(sum(counts.values()) / r["seconds"], rel=0.01)
    assert r["update"] == "kernel"  # skip-gram, where the kernel builds (as on CI)


@pytest.mark.slow  # ~10 s: two GloVe trainings
def test_glove_quiet_prints_only_the_result(capsys, tmp_path):
    rc, out, err = run_cli(capsys, "glove", "--corpus", _corpus(tmp_path), "--out",
                           tmp_path / "g", "--min-count", "2", "--dim", "8", "--epochs", "1",
                           "--quiet")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split()[1:4] == ["vectors", "of", "size"] and "co-occurrences" not in out
    assert len(lines) == 5 and not device_lines(err)  # result, projector, 3 neighbour lines
    rc, out, err = run_cli(capsys, "glove", "--corpus", tmp_path / "en.txt", "--out",
                           tmp_path / "g2", "--min-count", "2", "--dim", "8", "--epochs", "1",
                           "--json")
    assert rc == 0 and json.loads(out)["dim"] == 8
    assert len(device_lines(err)) == 1 and "co-occurrences" in err  # not on stdout


# ---------------------------------------------------------------- the language model
@pytest.fixture(scope="module")
def lm(tmp_path_factory):
    """One tiny language-model run."""
    tmp = tmp_path_factory.mktemp("lm")
    corpus = _corpus(tmp)
    assert main([str(a) for a in ["train", "--corpus", corpus, "--out", tmp / "r", *LM_TINY]]) == 0
    return tmp, corpus


@pytest.mark.slow  # two tiny trainings (~10 s); --quiet alone: test_lm_commands.py
def test_finetune_json_and_quiet(capsys, lm):
    tmp, corpus = lm
    rc, out, err = run_cli(capsys, "finetune", "--from", tmp / "r", "--corpus", corpus, "--out",
                           tmp / "f", "--epochs", "1", "--json", "--quiet")
    assert rc == 0, err
    r = json.loads(out)  # nothing but the object
    assert r["corpus_oov_rate"] == 0.0 and r["best_val_perplexity"] > 1 and r["epochs"] == 1
    assert "running on" not in err


# ---------------------------------------------------------------- TensorFlow's start-up noise
def test_startup_noise_is_dropped_and_anything_else_kept(capfd):
    """:func:`llm_tf.runtime._captured` (around the import and the first device listing)
    drops TensorFlow's known start-up lines, whatever TF_CPP_MIN_LOG_LEVEL, and writes
    back every other line; if the work fails, it writes back everything."""
    import os

    from llm_tf.runtime import _captured

    noise = ("E0000 00:00:1795982794.796107    3187 cuda_platform.cc:52] failed call to cuInit: "
             "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)\n"
             "WARNING: All log messages before absl::InitializeLog() is called are written to "
             "STDERR\n"
             "I0000 00:00:1795982817.445458    4331 cudart_stub.cc:31] Could not find cuda "
             "drivers on your machine, GPU will not be used.\n")
    real = "E0000 00:00:1.0    1 some_op.cc:12] Out of memory while allocating 1.00GiB\n"

    def work(fail=False):
        os.write(2, (noise + real).encode())
        if fail:
            raise RuntimeError("import failed")

    capfd.readouterr()
    _captured(work)
    assert capfd.readouterr().err == real
    with pytest.raises(RuntimeError):
        _captured(lambda: work(fail=True))
    assert capfd.readouterr().err == noise + real
