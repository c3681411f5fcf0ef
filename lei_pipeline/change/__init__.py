"""Change between a wave and its previous declared wave."""
