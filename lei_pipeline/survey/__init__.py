"""Survey layer: the questionnaire model (questionnaire.py), export readers (readers/) and cleaning (clean.py)."""
