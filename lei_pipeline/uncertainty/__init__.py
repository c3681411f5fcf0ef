"""Uncertainty and sensitivity analysis of a published LEI wave: the methodology's uncertainty
spec (a YAML file beside the methodology), answer readings re-scored through the methodology's
scorer, and the engine's batched replications and Sobol indices turned into publishable tables.
Pure core: no Dagster, no CLI."""
from lei_pipeline.uncertainty.readings import READINGS, rescorer
from lei_pipeline.uncertainty.spec import load_spec, spec_path
from lei_pipeline.uncertainty.wave import WaveUncertainty, analyse_wave, border_crossers, nominal_rules

__all__ = ["READINGS", "WaveUncertainty", "analyse_wave", "border_crossers", "load_spec", "nominal_rules",
           "rescorer", "spec_path"]
