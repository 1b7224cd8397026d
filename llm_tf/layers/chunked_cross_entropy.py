"""The output layer and its softmax cross-entropy, fused and chunked (§5's output layer).

A language model's last step maps N hidden vectors (width D) to N x V logits, takes a
softmax over V and the negative log-probability of each target. Written plainly, the
(N, V) logits, their softmax and their gradient all sit in memory at once: with the §5
listing's V = 10,000 and N = 128 x 32 tokens that is 164 MB per tensor, and it grows
with V. :func:`chunked_cross_entropy_sum` computes the summed loss

.. math::

    L = \\sum_n \\ell_n,\\qquad \\ell_n = \\log \\sum_v e^{z_{nv}} - z_{n y_n},\\qquad z = h W + b,

one chunk of ``R`` rows at a time, as the fused linear cross-entropy of Liger-Kernel
(Hsu et al. 2024) does: since ``L`` is a scalar, every gradient is computed in the forward
pass while the chunk's logits are at hand,

.. math::

    \\frac{\\partial L}{\\partial z_{nv}} = \\mathrm{softmax}(z_n)_v - [v = y_n] = G_{nv},\\quad
    \\frac{\\partial L}{\\partial h} = G W^\\top,\\quad
    \\frac{\\partial L}{\\partial W} = h^\\top G,\\quad
    \\frac{\\partial L}{\\partial b} = \\textstyle\\sum_n G_n,

and the backward pass only scales them by the upstream scalar. Each chunk takes one
forward and two gradient matmuls (three in all, against four when a backward pass
recomputes the logits) and one pass of ``exp``; ``R`` is chosen so that an (R, V) tensor
holds about :data:`ROW_CHUNK_ELEMENTS` values whatever ``V``, and the chunks run in a
loop, so one chunk's buffers serve them all: memory independent of the vocabulary size.
The kernel is ``(D, V)`` (a ``Dense`` output layer) or ``(V, D)`` (the input embedding,
when the output is tied to it: :class:`~llm_tf.layers.TiedOutput`). It equals Keras's
``sparse_categorical_crossentropy(from_logits=True)`` on ``h W + b``, summed, and its
gradients (tested at 1e-5 in float32).
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["chunked_cross_entropy_sum", "row_chunk_size"]

ROW_CHUNK_ELEMENTS = 1 << 22  # values in one (rows, V) chunk of logits: 16 MiB in float32


def row_chunk_size(vocab_size: int, elements: int = ROW_CHUNK_ELEMENTS) -> int:
    """Rows per chunk so that one (rows, V) tensor holds about ``elements`` values (>= 16)."""
    return max(16, int(elements) // max(1, int(vocab_size)))


def chunked_cross_entropy_sum(features, kernel, targets, bias=None, *, tied=False,
                              rows=None):
    """``sum_n -log softmax(features @ W + bias)[target_n]``, gradients computed in the forward pass.

    Args:
        features: (N, D) hidden vectors (float32), ``N`` known when traced.
        kernel: (D, V) output kernel, or (V, D) with ``tied=True`` (the embedding).
        targets: (N,) integer ids in [0, V).
        bias: (V,) output bias, or None.
        tied: the kernel is (V, D), used transposed.
        rows: rows per chunk (default :func:`row_chunk_size` of ``V``).

    Returns:
        A float32 scalar, differentiable in ``features``, ``kernel`` and ``bias`` (the
        stored gradients times the upstream scalar).
    """
    n = features.shape[0]
    if n is None:
        raise ValueError("chunked_cross_entropy_sum needs the number of rows when traced")
    vocab_size = int(kernel.shape[0] if tied else kernel.shape[1])
    rows = row_chunk_size(vocab_size) if rows is None else int(rows)
    if rows < 1:
        raise ValueError(f"rows must be a positive integer, got {rows}")
    targets = ops.cast(targets, "int32")
    has_bias = bias is not None

    n = int(n)
    chunks = -(-n // rows)
    rows = -(-n // chunks)  # balanced: the padding is under one row per chunk
    padded = chunks * rows

    @keras.ops.custom_gradient
    def loss_fn(h, w, b):
        wt = w if tied else ops.transpose(w)  # (V, D)
        d_model = h.shape[1]
        hp = ops.pad(h, ((0, padded - n), (0, 0)))  # (P, D), zero rows at the end
        yp = ops.pad(targets, ((0, padded - n),))
        keep = ops.cast(ops.arange(padded) < n, h.dtype)  # 0 for the padding rows

        def chunk(i, carry):  # a loop, so that one chunk's (R, V) buffers serve them all
            total, dhp, dwt, db = carry
            at = i * rows
            hc = ops.slice(hp, (at, 0), (rows, d_model))  # (R, D)
            yc = ops.slice(yp, (at,), (rows,))
            kc = ops.slice(keep, (at,), (rows,))[:, None]  # (R, 1)
            z = ops.matmul(hc, ops.transpose(wt))  # (R, V)
            if has_bias:
                z = z + b
            top = ops.max(z, axis=-1, keepdims=True)  # (R, 1)
            e = ops.exp(z - top)  # one pass of exp serves the loss and its gradient
            s = ops.sum(e, axis=-1, keepdims=True)  # (R, 1)
            picked = ops.take_along_axis(z, yc[:, None], axis=1)  # (R, 1)
            total = total + ops.sum((top + ops.log(s) - picked) * kc)  # lse - z_y
            d = (e / s - ops.one_hot(yc, vocab_size, dtype=z.dtype)) * kc  # (R, V)
            dhp = ops.slice_update(dhp, (at, 0), ops.matmul(d, wt))  # (R, D) into (P, D)
            dwt = dwt + ops.matmul(ops.transpose(d), hc)  # (V, D)
            db = db + ops.sum(d, axis=0) if has_bias else db
            return total, dhp, dwt, db

        init = (ops.zeros((), h.dtype), ops.zeros_like(hp), ops.zeros_like(wt), ops.zeros_like(b))
        total, dhp, dwt, db = ops.fori_loop(0, chunks, chunk, init)
        dh = dhp[:n]
        dw = dwt if tied else ops.transpose(dwt)

        def grad(*args, upstream=None):
            g = args[0] if upstream is None else upstream  # the upstream scalar
            return dh * g, dw * g, db * g

        return total, grad

    b = bias if has_bias else ops.zeros((vocab_size,), features.dtype)
    return loss_fn(features, kernel, b)
