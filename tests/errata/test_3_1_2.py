"""§3.1.2 GloVe: the listing uses ``np`` and ``embedding_size`` without defining them,
and ``glove-factorization`` is a subtraction (docs/errata.md)."""

import ast

import numpy as np
import pytest

from llm_tf.vectors.cooccurrence import Cooccurrence
from llm_tf.vectors.glove import glove_factorization
from tests.errata.article import listing, run_listing, undefined_names


def test_errata_312_np_is_used_without_being_imported():
    code = listing("3.1.2")
    assert "import" not in code
    assert undefined_names(code) == {"np", "glove", "factorization", "embedding_size"}
    with pytest.raises(NameError, match="'np' is not defined"):
        run_listing(code, "3.1.2")  # as printed: the first line already fails
    # with numpy imported, the next line fails: Python reads glove - factorization(...)
    call = ast.parse(code).body[1].value
    assert isinstance(call, ast.BinOp) and isinstance(call.op, ast.Sub)
    with pytest.raises(NameError, match="'glove' is not defined"):
        run_listing(code, "3.1.2", np=np)


def test_errata_312_the_corrected_listing_names_resolve():
    corrected = (
        "import numpy as np\n"
        "from llm_tf.vectors.glove import glove_factorization\n"
        "embedding_size = 2\n"
        + listing("3.1.2").replace("glove-factorization", "glove_factorization")
    )
    assert undefined_names(corrected) == set()
    # the same matrix, read as GloVe reads it: 3 words, 7 nonzero cells to fit
    namespace = {}
    exec(compile(corrected.split("# 进行因子分解")[0], "<corrected §3.1.2>", "exec"), namespace)
    cooc = Cooccurrence.from_dense(namespace["cooccurrence_matrix"])
    assert (cooc.vocab_size, cooc.nnz) == (3, 7)
    assert namespace["glove_factorization"] is glove_factorization
