"""Seeded synthetic survey waves: tidy answers for any number of units, written in the three
real-world export shapes. The data are synthetic: SYNTHETIC_NOTICE goes next to every file."""
from lei_pipeline.sample.exports import SHAPES, export_frame, write_export, write_frame
from lei_pipeline.sample.generate import generate_responses, maturity
from lei_pipeline.sample.units import sample_units, synthetic_registry
from lei_pipeline.sample.waves import (
    DEFAULT_WAVES,
    NOTE_NAME,
    SYNTHETIC_NOTICE,
    sample_wave,
    shape_for,
    write_sample_waves,
)

__all__ = [
    "DEFAULT_WAVES", "NOTE_NAME", "SHAPES", "SYNTHETIC_NOTICE", "export_frame", "generate_responses", "maturity",
    "sample_units", "sample_wave", "shape_for", "synthetic_registry", "write_export", "write_frame",
    "write_sample_waves",
]
