"""Sizes the chapters print carry the right unit (issue 12): a figure labelled GiB is
bytes / 2**30, one labelled MiB is bytes / 2**20."""

import importlib.util
import re

import pytest

from tests.paths import DATA, ROOT

UNITS = {"GiB": 30, "MiB": 20, "KiB": 10}


def _load_chapter(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "chapters" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ch05_one_hot_and_sparse_target_sizes_are_in_their_units(capsys):
    ch05 = _load_chapter("ch05_lstm_lm")
    ch05.step2_left_out(DATA / "corpus.en.txt", 32)
    out = capsys.readouterr().out
    m = re.search(r"([\d,]+) x (\d+) x ([\d,]+) floats = ([\d.]+) GiB", out)
    assert m, out
    n, t, v = (int(g.replace(",", "")) for g in m.groups()[:3])
    assert v == 10_000 and t == 32 and n > 0
    onehot = n * t * v * 4  # float32 one-hot targets, in bytes
    assert float(m.group(4)) == pytest.approx(onehot / 2**30, abs=0.005)
    m = re.search(r"sparse_categorical_crossentropy\): ([\d.]+) MiB, ([\d,]+)x less", out)
    assert m, out
    assert float(m.group(1)) == pytest.approx(n * t * 4 / 2**20, abs=0.005)
    assert int(m.group(2).replace(",", "")) == v


@pytest.mark.parametrize("script", sorted((ROOT / "chapters").glob("ch*.py")), ids=lambda p: p.stem)
def test_every_binary_unit_divides_by_its_power_of_two(script):
    """Each printed GiB / MiB / KiB figure is divided by 2**30 / 2**20 / 2**10 on its line."""
    for lineno, line in enumerate(script.read_text(encoding="utf-8").splitlines(), 1):
        for unit, power in UNITS.items():
            if f"}} {unit}" in line or f"}}{unit}" in line:
                divisors = re.findall(r"/\s*(?:2\s*\*\*\s*(\d+)|1\s*<<\s*(\d+))", line)
                powers = {int(a or b) for a, b in divisors}
                assert powers == {power}, f"{script.name}:{lineno}: {unit} from {powers}: {line}"
