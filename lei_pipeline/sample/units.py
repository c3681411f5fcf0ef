"""Which local governments a synthetic wave covers: the registry's 145 respondents, plus
synthetic units (codes S000146, S000147, ...) when a benchmark asks for more."""
from __future__ import annotations

import numpy as np
import pandas as pd


UNIT_COLUMNS = ["unit_code", "name_latin", "name_cyrillic", "unit_type", "region", "population"]
# Used where the registry has no census figure (about half the rows): the type's median.
TYPE_MEDIAN_POPULATION = {"capital_city": 1_681_405, "city": 105_000, "municipality": 16_000, "city_municipality": 60_000}
REGIONS = ("Region Vojvodine", "Region Šumadije i Zapadne Srbije", "Region Južne i Istočne Srbije")


def registry_units(registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """The respondents (cities, the capital, municipalities) in registry order."""
    if registry is None:
        from lei_pipeline.registry import load_registry

        registry = load_registry()
    reg = registry[registry["respondent"].astype(bool)].reset_index(drop=True)
    pop = reg["population_2022"].astype("Float64").astype(float)
    pop = pop.fillna(reg["unit_type"].map(TYPE_MEDIAN_POPULATION).astype(float))
    return pd.DataFrame({
        "unit_code": reg["unit_code"].astype(str), "name_latin": reg["name_latin"].astype(str),
        "name_cyrillic": reg["name_cyrillic"].astype(str), "unit_type": reg["unit_type"].astype(str),
        "region": reg["region"].astype(str), "population": pop.to_numpy(),
    })


def synthetic_units(first: int, count: int, seed: int) -> pd.DataFrame:
    """`count` invented units numbered from `first`: names 'Sintetička opština 000146', about
    one in ten a city, populations log-normal around a small municipality's."""
    rng = np.random.default_rng([seed, 7])
    nums = np.arange(first, first + count)
    is_city = rng.random(count) < 0.1
    kind_lat = np.where(is_city, "Sintetički grad ", "Sintetička opština ")
    kind_cyr = np.where(is_city, "Синтетички град ", "Синтетичка општина ")
    num = pd.Series(nums).astype(str).str.zfill(6)
    pop = np.where(is_city, rng.lognormal(np.log(90_000), 0.5, count), rng.lognormal(np.log(16_000), 0.7, count))
    return pd.DataFrame({
        "unit_code": ("S" + num).to_numpy(dtype=object),
        "name_latin": (pd.Series(kind_lat) + num).to_numpy(dtype=object),
        "name_cyrillic": (pd.Series(kind_cyr) + num).to_numpy(dtype=object),
        "unit_type": np.where(is_city, "city", "municipality").astype(object),
        "region": np.array(REGIONS, dtype=object)[rng.integers(0, len(REGIONS), count)],
        "population": np.round(pop),
    })


def sample_units(n_units: int | None, seed: int, registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """n_units=None: every registry respondent. n_units <= 145: a seeded subset of them, in
    registry order. More: all respondents followed by synthetic units."""
    units = registry_units(registry)
    if n_units is None or n_units == len(units):
        return units
    if n_units < 0:
        raise ValueError("n_units must be >= 0")
    if n_units < len(units):
        rng = np.random.default_rng([seed, 8])
        keep = np.sort(rng.choice(len(units), size=n_units, replace=False))
        return units.iloc[keep].reset_index(drop=True)
    extra = synthetic_units(len(units) + 1, n_units - len(units), seed)
    return pd.concat([units, extra], ignore_index=True)


def synthetic_registry(n_units: int | None = None, seed: int = 42, registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """A registry-shaped frame (load_registry columns) covering the units of sample_units, so
    compose_index can name and type synthetic units in benchmarks."""
    if registry is None:
        from lei_pipeline.registry import load_registry

        registry = load_registry()
    units = sample_units(n_units, seed, registry)
    extra = units[~units["unit_code"].isin(registry["unit_code"])]
    if extra.empty:
        return registry
    rows = pd.DataFrame({
        "unit_code": extra["unit_code"].astype(str), "name_latin": extra["name_latin"].astype(str),
        "name_cyrillic": extra["name_cyrillic"].astype(str), "unit_type": extra["unit_type"].astype(str),
        "parent_city": pd.Series(pd.NA, index=extra.index, dtype="str"), "district": pd.Series(pd.NA, index=extra.index, dtype="str"),
        "region": extra["region"].astype(str), "population_2022": extra["population"].round().astype("Int64"),
        "population_source": "synthetic", "respondent": True,
    })
    return pd.concat([registry, rows[registry.columns]], ignore_index=True)


__all__ = ["UNIT_COLUMNS", "registry_units", "sample_units", "synthetic_registry", "synthetic_units"]
