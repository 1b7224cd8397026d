"""How every llm-tf language model is compiled for training (§5, §3.2).

The §5 listing compiles with ``optimizer='adam', loss='categorical_crossentropy'``
on one-hot targets; llm-tf keeps Adam and uses sparse integer targets instead
(``docs/errata.md``). Every model outputs probabilities, like the listing's
``Dense(softmax)``; Keras's TensorFlow backend reads the logits behind the softmax,
so the loss is computed from logits (fused and stable).
"""

from __future__ import annotations

import keras


def compile_lm(
    model: keras.Model, learning_rate: float = 1e-3, jit_compile: bool | str = "auto",
    optimizer: keras.optimizers.Optimizer | None = None,
) -> keras.Model:
    """Adam, as in the §5 listing (or ``optimizer``), with sparse integer targets instead of
    one-hot ones."""
    model.compile(
        optimizer=optimizer or keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        jit_compile=jit_compile,
    )
    return model
