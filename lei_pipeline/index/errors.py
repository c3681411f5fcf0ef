"""Errors of the index engine. Each message names the indicator, node, column or unit at fault,
because the person fixing it edits a framework table or a data column, not Python."""
from lei_pipeline.errors import LeiError


class IndexEngineError(LeiError):
    """Base class of every error the engine raises on bad input."""


class FrameworkError(IndexEngineError):
    """The framework is not a tree: cycle, orphan, unknown parent, bad level, weight or direction."""


class MethodError(IndexEngineError):
    """The method names an unknown step option or gives invalid parameters."""


class DataError(IndexEngineError):
    """The data table does not fit the framework: missing or non-numeric column, unknown
    denominator or group, duplicate unit ids."""


class AggregationError(IndexEngineError):
    """A mean was asked to take values it cannot (a geometric or harmonic mean over values <= 0)."""


class ZeroRangeError(IndexEngineError):
    """An indicator has no spread, so it cannot be normalised."""
