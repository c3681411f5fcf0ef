"""Registry of Serbia's local governments and matching of free-typed respondent names to it."""
from lei_pipeline.registry.aliases import load_aliases
from lei_pipeline.registry.load import EXPECTED_COUNTS, UNIT_TYPES, load_registry, project_code
from lei_pipeline.registry.matcher import MATCHED, STATUSES, Matcher, MatchResult
from lei_pipeline.registry.normalise import name_key, to_latin

__all__ = ["load_registry", "load_aliases", "Matcher", "MatchResult", "MATCHED", "STATUSES",
           "UNIT_TYPES", "EXPECTED_COUNTS", "project_code", "name_key", "to_latin"]
