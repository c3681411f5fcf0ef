"""Dagster layer: thin definitions over the pure core (lei_pipeline.*). Nothing here computes
index maths or reads exports by itself."""
