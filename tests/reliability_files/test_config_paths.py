"""Paths found inside a run folder's config.json are records, never opened (issue 12):
a config whose corpus, validation, test and fine-tuning paths point outside the run
folder (``../..``, absolute, missing) still generates, evaluates, summarises and
resumes, from the run folder's own files."""

import json

import pytest

from tests.paths import DATA
from tests.reliability_files.conftest import run_cli

ESCAPES = {"corpus": "../../outside/corpus.txt", "val_corpus": "/nonexistent/llm-tf/val.txt",
           "test_corpus": "../../../../etc/llm-tf-test.txt"}


@pytest.mark.slow  # 12 s: four commands on one run
def test_paths_in_the_config_never_leave_the_run_folder(tmp_path, capsys):
    run = tmp_path / "run"
    rc, _, err = run_cli(capsys, "train", "--corpus", DATA / "corpus.en.txt", "--out", run,
                         "--epochs", "1", "--max-steps", "2", "--embedding-dim", "8",
                         "--units", "8", "--batch-size", "8", "--seq-len", "8")
    assert rc == 0, err
    path = run / "config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    cfg["config"]["data"].update(ESCAPES)
    cfg["config"]["finetuned_from"] = "../../another-run"
    path.write_text(json.dumps(cfg), encoding="utf-8")
    for argv in (["generate", "--model", run, "--prompt", "the", "--max-tokens", "3"],
                 ["evaluate", "--model", run, "--corpus", DATA / "corpus.en.txt"],
                 ["summary", "--model", run],
                 ["train", "--corpus", DATA / "corpus.en.txt", "--out", run, "--resume",
                  "--epochs", "2", "--max-steps", "4"]):
        rc, _, err = run_cli(capsys, *argv)
        assert rc == 0, (argv[0], err)
        assert not any(p in err for p in ESCAPES.values()), (argv[0], err)
    assert not (tmp_path.parent / "outside").exists()
    state = json.loads((run / "state.json").read_text(encoding="utf-8"))
    assert state["step"] == 4  # the resume trained from the run's own encoded corpus
