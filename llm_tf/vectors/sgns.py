"""The skip-gram objective and its negative-sampling update, in closed form (§4.1.1, §4.5.1).

§4.1.1's objective ``J = -Σ_i Σ_{j∈context(i)} log p(w_j | w_i)`` uses the full
softmax ``p(o | c) = exp(u_o·v_c) / Σ_w exp(u_w·v_c)`` (:func:`softmax_probabilities`),
a pass over the vocabulary per pair. word2vec minimises the negative-sampling loss
instead, ``-log σ(u_o·v_c) - Σ_k log σ(-u_{n_k}·v_c)``, whose gradients
:func:`sgns_gradients` computes for a whole batch at once (the train step of
:class:`llm_tf.vectors.word2vec.Word2VecModel` applies them). :func:`article_softmax_probability`
is §4.5.1's formula as printed, kept for the erratum.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def sgns_gradients(
    v,
    u_pos,
    u_neg,
    pos_ids,
    neg_ids,
    weight,
    v_scale=None,
    pos_scale=None,
    neg_scale=None,
    loss_groups=None,
    strided=True,
):
    """Closed-form gradients of the negative-sampling loss, summed over pairs.

    Pair ``p`` belongs to group ``p % G`` (``strided``, the default) or ``p // S``
    and uses that group's ``K`` negatives. Batches come sorted by centre word, so
    strided groups gather pairs of ``S`` different centres and each centre still
    meets ``K`` independent negatives per context, as in word2vec; contiguous
    groups (Ji et al.'s HogBatch) reuse one draw for all the contexts of a centre.

    Args:
        v: (P, D) input vectors (centre words; CBOW: context means).
        u_pos: (P, D) output vectors of the positive words.
        u_neg: (G, K, D) output vectors of each group's negatives; P = G * S.
        pos_ids: (P,) positive word ids; a negative equal to its pair's positive is
            skipped, as word2vec does.
        neg_ids: (G, K) negative ids.
        weight: (P,) 1 for real pairs, 0 for padding.
        v_scale, pos_scale: optional (P,) factors applied to each pair's gradient for
            ``v`` and for ``u_pos`` (the train step folds the learning rate in here,
            which saves passes over (P, D) arrays); neg_scale: optional (G, K).
        loss_groups: compute the loss on the first ``loss_groups`` groups only (an
            unbiased estimate for the progress bar; the logarithms are not free).
        strided: group pairs ``p % G`` (True) or ``p // S`` (False).

    Returns:
        ``grad_v`` (P, D), ``grad_u_pos`` (P, D), ``grad_u_neg`` (G, K, D) (all
        unscaled unless scales are given), and the summed loss with the number of
        pairs it covers.
    """
    g = tf.shape(neg_ids)[0]
    d = tf.shape(v)[1]

    def grouped(x):  # (P, ...) -> (G, S, ...)
        if not strided:
            return tf.reshape(x, tf.concat([[g, -1], tf.shape(x)[1:]], 0))
        x = tf.reshape(x, tf.concat([[-1, g], tf.shape(x)[1:]], 0))  # (S, G, ...)
        return tf.transpose(x, tf.concat([[1, 0], tf.range(2, tf.rank(x))], 0))

    def flat(x):  # (G, S, D) -> (P, D)
        if strided:
            x = tf.transpose(x, [1, 0, 2])
        return tf.reshape(x, [-1, d])

    vg = grouped(v)  # (G, S, D)
    x_pos = tf.reduce_sum(v * u_pos, axis=-1)  # (P,)
    x_neg = tf.matmul(vg, u_neg, transpose_b=True)  # (G, S, K)
    weight_g = grouped(weight)  # (G, S)
    valid = tf.cast(tf.not_equal(grouped(pos_ids)[..., None], neg_ids[:, None, :]), v.dtype)
    valid *= weight_g[..., None]
    a = (tf.sigmoid(x_pos) - 1.0) * weight  # dL/dx_pos (P,)
    b = tf.sigmoid(x_neg) * valid  # dL/dx_neg (G, S, K)
    n = g if loss_groups is None else tf.minimum(g, loss_groups)
    w_loss = weight_g[:n]
    loss = tf.reduce_sum(tf.math.softplus(-grouped(x_pos)[:n]) * w_loss)
    loss += tf.reduce_sum(tf.math.softplus(x_neg[:n]) * valid[:n])
    a_v, b_v, a_u, b_u = a, b, a, b
    if v_scale is not None:
        a_v, b_v = a * v_scale, b * grouped(v_scale)[..., None]
    if pos_scale is not None:
        a_u = a * pos_scale
    if neg_scale is not None:
        b_u = b * neg_scale[:, None, :]
    grad_v = a_v[:, None] * u_pos + flat(tf.matmul(b_v, u_neg))
    grad_u_pos = a_u[:, None] * v
    grad_u_neg = tf.matmul(b_u, vg, transpose_a=True)  # (G, K, D)
    return grad_v, grad_u_pos, grad_u_neg, (loss, tf.reduce_sum(w_loss))


def softmax_probabilities(input_vectors, output_vectors) -> np.ndarray:
    """Skip-gram's full softmax (§4.1.1): ``P[c, o] = p(o | c) = exp(u_o·v_c) / Σ_w exp(u_w·v_c)``.

    Each row sums to 1. ``input_vectors`` are the ``v`` (centre) vectors,
    ``output_vectors`` the ``u`` (context) vectors; pass the same array twice for the
    one-vector-per-word model of §4.5.1.
    """
    logits = np.asarray(input_vectors, np.float64) @ np.asarray(output_vectors, np.float64).T
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


def article_softmax_probability(vectors, target: int, given: int) -> float:
    """§4.5.1 as printed: ``p(w_t | w_g) = exp(<v_t, v_g>) / Σ_j exp(<v_t, v_j>)``.

    The printed denominator sums over the *target's* partners, so this is the
    correct ``p(w_g | w_t)``, the reverse conditional (docs/errata.md).
    """
    v = np.asarray(vectors, np.float64)
    scores = v[target] @ v.T
    return float(np.exp(scores[given] - scores.max()) / np.exp(scores - scores.max()).sum())
