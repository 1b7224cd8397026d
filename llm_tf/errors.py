"""User-facing errors.

Library code raises :class:`UserInputError` (a ``ValueError``) for bad input: a
missing path, an empty or binary corpus, impossible hyperparameters. The CLI turns
it into one line on stderr and exit code 2.
"""


class UserInputError(ValueError):
    """Bad input from the user; the message names the value received."""
