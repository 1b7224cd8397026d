"""Hypothesis settings for the property tests: deterministic and quick by default.

``default`` (used unless ``HYPOTHESIS_PROFILE`` names another) derandomizes, so every
run tries the same examples, writes no example database into the checkout, has no
deadline (the first call of a test may import NLTK or TensorFlow) and keeps the folder
well under a minute on two CPU cores. Hypothesis's caches go to the temporary folder,
not the checkout. ``thorough`` tries ten times as many examples::

    HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest tests/properties
"""

import os
import tempfile

# Hypothesis caches Unicode tables under ./.hypothesis unless told otherwise: keep the
# checkout clean (read lazily, so setting it here, before any test runs, is in time).
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      os.path.join(tempfile.gettempdir(), "llm_tf_hypothesis"))

from hypothesis import HealthCheck, settings  # noqa: E402

_COMMON = dict(derandomize=True, database=None, deadline=None, print_blob=False)

settings.register_profile(
    "default",
    max_examples=50,
    # tests write a few small files per example: slow next to pure functions, not a bug
    suppress_health_check=[HealthCheck.too_slow],
    **_COMMON,
)
settings.register_profile(
    "thorough",
    max_examples=500,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    **_COMMON,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
