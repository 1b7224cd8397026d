"""``python -m llm_tf.cli ...`` is the ``llm-tf`` command."""

import sys

from llm_tf.cli import main

sys.exit(main())
