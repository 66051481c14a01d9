"""Errors a user can cause. Every one is a ValueError with a message meant to be read."""


class DatasetError(ValueError):
    """A dataset file that cannot be used: missing, unreadable, binary, not UTF-8, empty."""


class VocabularyError(ValueError):
    """Text containing a character the model has never seen."""


class ConfigError(ValueError):
    """A hyper-parameter out of range; the message names the field."""


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded; the trainer in memory is untouched."""
