"""§5.1: "Python 3.7 or higher" is too old for TensorFlow 2.16+ and for llm-tf
(docs/errata.md)."""

import configparser
import sys
from importlib.metadata import metadata

from packaging.specifiers import SpecifierSet

from tests.errata.article import section
from tests.paths import ROOT


def test_errata_51_python_37_is_older_than_tensorflow_and_llm_tf_accept():
    assert "确保安装了Python 3.7或更高版本" in section("5.1")
    setup = configparser.ConfigParser(interpolation=None)
    setup.read(ROOT / "setup.cfg", encoding="utf-8")
    ours = SpecifierSet(setup["options"]["python_requires"])
    assert "tensorflow>=2.16" in setup["options"]["install_requires"]
    # the installed TensorFlow (2.16 or later) says which Pythons it runs on
    tensorflow = SpecifierSet(metadata("tensorflow")["Requires-Python"])
    for needs in (ours, tensorflow):
        assert "3.7" not in needs and "3.8" not in needs
    assert "3.10" in ours
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in ours  # this interpreter
