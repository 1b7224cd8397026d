"""docs/architecture.md cannot drift: its package diagram is the one the code gives (§2.3)."""

import shutil

import pytest

from chapters import ch02_3_architecture as arch
from tests.paths import ROOT

DOC = ROOT / "docs" / "architecture.md"
REGENERATE = "run `python -m chapters 2.3 --write-doc` and commit docs/architecture.md"


def test_the_docs_package_diagram_is_the_codes():
    assert arch.doc_block(DOC.read_text(encoding="utf-8")) == arch.generated_block(), REGENERATE


def test_the_doc_shows_the_articles_chain():
    text = DOC.read_text(encoding="utf-8")
    first = text.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    assert first == arch.ARTICLE_CHAIN
    nodes, edges = arch.parse_mermaid(first)
    assert list(nodes.values()) == ["词向量表示", "神经网络结构", "跨层次注意力机制", "答案生成网络",
                                    "深度学习", "NLP", "知识图谱"]
    assert len(edges) == 6


def test_every_box_lives_in_a_real_module():
    rows = arch.where_rows()
    assert {box for box, *_ in rows} == set(arch.WHERE)
    assert all(found for *_, found in rows), [r for r in rows if not r[3]]


@pytest.fixture
def package_copy(tmp_path):
    dst = tmp_path / "llm_tf"
    shutil.copytree(ROOT / "llm_tf", dst, ignore=shutil.ignore_patterns("__pycache__", "*.json"))
    return dst


def test_a_new_import_changes_the_graph_and_the_doc(package_copy, tmp_path):
    before = arch.package_graph(package_copy)
    assert ("text", "models") not in before and ("text", "layers") not in before
    (package_copy / "text" / "bad.py").write_text(
        "from llm_tf.models import ModelConfig\n\n\ndef f():\n    import llm_tf.layers\n",
        encoding="utf-8")
    after = arch.package_graph(package_copy)
    assert after == {**before, ("text", "models"): "module", ("text", "layers"): "lazy"}
    mermaid = arch.package_mermaid(after, arch.subpackages(package_copy))
    assert "  text --> models" in mermaid and "  text -.-> layers" in mermaid

    doc = tmp_path / "architecture.md"
    shutil.copy(DOC, doc)
    assert arch.write_doc(doc, package_copy) is True
    block = arch.doc_block(doc.read_text(encoding="utf-8"))
    assert "  text --> models" in block and block != arch.doc_block(DOC.read_text("utf-8"))
    assert arch.write_doc(doc, package_copy) is False  # already current


def test_a_doc_without_markers_is_refused():
    with pytest.raises(ValueError, match="no generated block"):
        arch.doc_block("# architecture\n")
