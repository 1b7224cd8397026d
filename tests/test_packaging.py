"""One list of dependencies (setup.cfg), the tested versions (constraints.txt), a licence
that matches the metadata, and nothing required that nothing imports."""

import configparser
import re

from tests.paths import ROOT


def _cfg():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    return cfg


def _names(lines):
    return {re.split(r"[<>=!\[ ;]", line.strip(), maxsplit=1)[0].lower()
            for line in lines.splitlines() if line.strip() and not line.startswith("#")}


def test_license_file_matches_the_metadata():
    cfg = _cfg()
    assert cfg["metadata"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text


def test_every_requirement_is_pinned_in_the_constraints_and_nothing_unused():
    cfg = _cfg()
    required = _names(cfg["options"]["install_requires"])
    extras = cfg["options.extras_require"]
    pinned = _names((ROOT / "constraints.txt").read_text(encoding="utf-8"))
    for extra in ("test", "bench"):
        required |= _names(extras[extra])
    assert required <= pinned, f"not in constraints.txt: {sorted(required - pinned)}"
    assert "psutil" not in required  # nothing imports it
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", line), line


def test_requirements_txt_is_not_a_second_list():
    lines = [x for x in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
             if x.strip() and not x.startswith("#")]
    assert lines == ["-c constraints.txt", "-e .[test]"]
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert 'pip install -c constraints.txt -e ".[test]"' in make


def test_python_versions_agree():
    cfg = _cfg()
    low = re.fullmatch(r">=3\.(\d+)", cfg["options"]["python_requires"]).group(1)
    listed = sorted(int(m) for m in re.findall(r"Python :: 3\.(\d+)", cfg["metadata"]["classifiers"]))
    assert listed and listed[0] == int(low)
