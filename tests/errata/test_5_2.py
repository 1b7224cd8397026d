"""§5.2: the listing's ``tensorflow.keras`` imports are Keras 3 on TensorFlow 2.16+
(docs/errata.md corrects its own earlier "Keras 2 spelling")."""

import keras

from tests.errata.article import listing, run_listing


def test_errata_52_the_listings_tensorflow_keras_is_keras_3():
    code = listing("5.2")
    imports = "".join(
        line + "\n" for line in code.splitlines() if line.startswith(("import ", "from "))
    )
    assert "from tensorflow.keras.layers import Embedding, LSTM, Dense" in imports
    names = run_listing(imports, "5.2")  # the article's own import lines
    assert keras.__version__.split(".")[0] == "3"
    # on TensorFlow 2.16+ tf.keras hands out the keras package's (Keras 3) objects
    assert names["Model"] is keras.Model
    assert names["LSTM"] is keras.layers.LSTM and names["Embedding"] is keras.layers.Embedding
    assert names["tf"].keras.layers.Input is keras.layers.Input  # the listing's Input
