"""Every chapter script runs with --quick (so the examples never rot), and every section of
the article that needs a script has one (chapters/index.py)."""

import os
import re
import subprocess
import sys

import pytest

from chapters import index
from tests.paths import ROOT

CHAPTERS = sorted((ROOT / "chapters").glob("ch*.py"))
# The §6 scenarios take 30-40 s each even with --quick (each trains a model end to end);
# they run in the slow suite (make test-slow), while the commands they drive keep fast
# tests of their own (tests/cli/test_qa.py, test_translate.py, test_classify.py).
# So do the §3.2.2, §3.2.3, §3.3, §3.4, §6.2 and §6.5 chapters (11-21 s each on a quiet
# machine), to keep the default run near ten minutes; their layers, models and commands
# keep fast tests (tests/models/, tests/layers/, tests/cli/).
SLOW_CHAPTERS = {"ch06_1_question_answering", "ch06_3_translation", "ch06_4_understanding",
                 "ch03_2_2_lstm", "ch03_2_3_transformer",
                 "ch03_3_cross_layer_attention", "ch03_4_answer_generator",
                 "ch06_2_text_generation", "ch06_5_chatbot"}
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")
OUT_OPTION = re.compile(r"""add_argument\(\s*["']--out["']""")


def takes_out(script) -> bool:
    """Whether the script defines an ``--out`` option (where it writes its files)."""
    return bool(OUT_OPTION.search(script.read_text(encoding="utf-8")))


@pytest.mark.parametrize("script", [
    pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if p.stem in SLOW_CHAPTERS else [])
    for p in CHAPTERS])
def test_chapter_runs_quick(script, tmp_path):
    args = [sys.executable, str(script), "--quick", "--seed", "0"]
    out = tmp_path / "out"
    if takes_out(script):
        args += ["--out", str(out)]
    proc = subprocess.run(args, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    empty = [p.name for p in out.rglob("*.png") if p.stat().st_size == 0]
    assert not empty, f"{script.name} wrote empty pictures: {empty}"


def test_the_slow_chapters_exist():
    assert SLOW_CHAPTERS <= {p.stem for p in CHAPTERS}


def test_every_chapter_is_literate():
    for script in CHAPTERS:
        text = script.read_text(encoding="utf-8")
        assert text.startswith('"""§'), f"{script.name}: header docstring must name its section"
        assert "--quick" in text and "--seed" in text and "def main(" in text, script.name
        assert "sys.path" not in text, f"{script.name}: import the installed package"


# ---- the index: every section that needs a script has one
def test_every_required_section_has_a_script():
    assert index.missing() == [], "sections without a chapter script (see chapters/index.py)"


def test_the_index_reads_every_header():
    found = index.chapters()
    assert [c.path for c in sorted(found, key=lambda c: c.name)] == CHAPTERS
    two = next(c for c in found if c.name == "ch04_1_word_vectors_math.py")
    assert two.sections == ("4.1.1", "4.5.1") and two.title.startswith("Word2Vec")
    assert index.find("§3.2.3").name == "ch03_2_3_transformer.py"
    assert index.find("4.2.2").name == "ch04_2_sequence_math.py"  # a step of §4.2
    assert index.find("9.9") is None


def test_a_parent_section_covers_only_the_steps_it_has(tmp_path):
    (tmp_path / "ch04_2_x.py").write_text(
        '"""§4.2 some maths: two of three.\n"""\n\n\n# ---- 1. §4.2.1: RNN\n'
        "def main():\n    pass\n\n\n# ---- 3. §4.2.3 attention\n", encoding="utf-8")
    (tmp_path / "ch06_x.py").write_text('"""§6.1 and §6.2 两个场景\n"""\n', encoding="utf-8")
    required = {s: "" for s in ("4.2.1", "4.2.2", "4.2.3", "6.1", "6.2", "6.3")}
    assert index.missing(tmp_path, required) == ["4.2.2", "6.3"]
    (tmp_path / "ch_bad.py").write_text('"""No section here.\n"""\n', encoding="utf-8")
    with pytest.raises(ValueError, match="does not start with a section"):
        index.chapters(tmp_path)


def _chapters_cli(*args):
    return subprocess.run([sys.executable, "-m", "chapters", *args], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=600)


def test_python_m_chapters_list():
    proc = _chapters_cli("--list")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(CHAPTERS)  # one per script, and no "no script yet" line
    for line, chapter in zip(lines, index.chapters(), strict=True):
        assert line.startswith(f"§{chapter.sections[0]}") and chapter.name in line
        assert line.rstrip().endswith(chapter.title)


def test_python_m_chapters_unknown_section_is_one_line():
    proc = _chapters_cli("9.9", "--quick")
    assert proc.returncode == 2 and proc.stdout == ""
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and "'9.9'" in err[0] and "3.2.3" in err[0] and "6.5" in err[0]


def test_python_m_chapters_runs_a_section_with_its_arguments():
    proc = _chapters_cli("§2.3", "--quick", "--seed", "3")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "§2.3's chain: 7 boxes, 6 arrows" in proc.stdout
    proc = _chapters_cli("2.3", "--no-such-flag")
    assert proc.returncode == 2 and "--no-such-flag" in proc.stderr  # argparse of the script
