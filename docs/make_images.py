"""Regenerate the pictures of the README (docs/img/) with the project's own commands.

Each picture is made the way a reader would make it, by the ``llm-tf`` command or a
chapter script, in a temporary folder, then copied here:

- ``training_curve.png``: ``llm-tf train`` of the §5 LSTM on ``data/corpus.zh.txt``;
- ``cross_level_attention.png``: ``llm-tf classify train`` on ``data/classify_pick/zh``
  (§3.3, §6.4), then ``llm-tf classify attention`` on a new document;
- ``transformer_attention.png``: ``chapters/ch03_2_3_transformer.py`` (§3.2.3);
- ``word_vectors.png``: ``chapters/ch03_1_1_word2vec.py`` (§3.1.1, a PCA projection);
- ``lstm_gates.png``: ``chapters/ch04_5_2_lstm_worked_example.py`` (§4.5.2).

    python docs/make_images.py            # about 5-10 minutes on 2 CPU cores
    python docs/make_images.py --only lstm_gates.png word_vectors.png
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"
DATA = ROOT / "data"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PICK_DOCUMENT = "盒子里依次是蛋糕、手机和地图。屋里很安静。打开第二个盒子。"


def _run(*argv: str) -> None:
    print("$ " + " ".join(argv), flush=True)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
    subprocess.run(argv, cwd=ROOT, env=env, check=True)


def _cli(*argv: str) -> None:
    _run(sys.executable, "-m", "llm_tf.cli", *argv)


def _chapter(name: str, out: Path) -> None:
    _run(sys.executable, str(ROOT / "chapters" / f"{name}.py"), "--seed", "0", "--out", str(out))


def training_curve(tmp: Path) -> Path:
    run = tmp / "lm-zh"
    _cli("train", "--corpus", str(DATA / "corpus.zh.txt"), "--out", str(run), "--epochs", "10",
         "--seed", "0", "--quiet")
    return run / "training_curve.png"


def cross_level_attention(tmp: Path) -> Path:
    run, png = tmp / "pick-zh", tmp / "cross_level_attention.png"
    pick = DATA / "classify_pick" / "zh"
    _cli("classify", "train", "--data", str(pick / "train.jsonl"), "--val-data",
         str(pick / "validation.jsonl"), "--out", str(run), "--epochs", "30", "--seed", "0",
         "--quiet")
    _cli("classify", "attention", "--model", str(run), "--out", str(png), PICK_DOCUMENT)
    return png


def transformer_attention(tmp: Path) -> Path:
    _chapter("ch03_2_3_transformer", tmp / "tr")
    return tmp / "tr" / "transformer_attention.png"


def word_vectors(tmp: Path) -> Path:
    _chapter("ch03_1_1_word2vec", tmp / "w2v")
    found = sorted((tmp / "w2v").glob("word2vec.zh*.png")) or sorted((tmp / "w2v").glob("*.png"))
    return found[0]


def lstm_gates(tmp: Path) -> Path:
    _chapter("ch04_5_2_lstm_worked_example", tmp / "gates")
    return tmp / "gates" / "lstm_gates.png"


PICTURES = {"training_curve.png": training_curve,
            "cross_level_attention.png": cross_level_attention,
            "transformer_attention.png": transformer_attention,
            "word_vectors.png": word_vectors,
            "lstm_gates.png": lstm_gates}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[13:]))
    p.add_argument("--only", nargs="+", choices=sorted(PICTURES), default=sorted(PICTURES),
                   help="make only these pictures")
    args = p.parse_args(argv)
    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="llm-tf-img-") as tmp:
        for name in args.only:
            start = time.perf_counter()
            made = PICTURES[name](Path(tmp))
            data = made.read_bytes()
            if not data.startswith(PNG_MAGIC) or len(data) < 1000:
                print(f"{made} is not a picture", file=sys.stderr)
                return 1
            shutil.copyfile(made, IMG / name)
            print(f"docs/img/{name}: {len(data):,} bytes ({time.perf_counter() - start:.0f} s)",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
