"""§1.4.3 and after: "变压器模型" (an electrical transformer) for the Transformer
(docs/errata.md)."""

from tests.errata.article import section
from tests.paths import ROOT


def test_errata_143_the_transformer_is_called_an_electrical_transformer():
    assert "- Transformer：变压器模型" in section("1.4.3")  # the glossary's translation
    assert section("3.2.3").startswith("#### 3.2.3 变压器模型（Transformer）")
    assert "变压器模型通过自注意力机制" in section("4.2.3")
    assert "介绍了变压器模型（Transformer）" in section("7.3.1")
    # the companion keeps the English name, as Chinese technical writing does
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| 3.2.3 |"))
    assert "Transformer" in row and "变压器" not in readme
