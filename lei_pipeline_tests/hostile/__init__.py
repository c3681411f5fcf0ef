"""Hostile inputs (GitHub issue 7): a corpus of broken exports (cases.py, built from base.py),
run through the real `lei` console script (test_validate_cases.py) and, for a representative
subset, through the whole pipeline against a published wave (test_end_to_end.py); a 200 MB export
(test_large_file.py, slow), two concurrent publishers (test_concurrency.py) and property-based
invariants of the core (test_properties.py)."""
