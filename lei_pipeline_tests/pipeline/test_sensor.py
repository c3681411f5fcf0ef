import shutil

import dagster as dg

from lei_pipeline.defs.sensors import new_wave_sensor
from lei_pipeline.settings import Settings
from lei_pipeline.waves.declared import declare_wave


def _evaluate(instance, resources):
    ctx = dg.build_sensor_context(instance=instance, resources={"lei": resources["lei"]})
    return new_wave_sensor(ctx)


def test_new_wave_folder_adds_one_partition_and_one_run(instance, resources, data_dir):
    instance.add_dynamic_partitions("wave", ["2022", "2024", "2025"])
    assert isinstance(_evaluate(instance, resources), dg.SkipReason)

    src = next(p for p in (data_dir / "raw" / "2025").iterdir() if not p.name.startswith((".", "SYNTH", "README")))
    (data_dir / "raw" / "2026").mkdir()
    shutil.copy(src, data_dir / "raw" / "2026" / src.name)
    # Not declared in waves.yaml yet: its place in the order is unknown, so no run.
    assert isinstance(_evaluate(instance, resources), dg.SkipReason)
    declare_wave(Settings.from_env(data_dir=data_dir), "2026")

    result = _evaluate(instance, resources)
    assert isinstance(result, dg.SensorResult)
    assert [r.partition_key for r in result.run_requests] == ["2026"]
    assert len(result.dynamic_partitions_requests) == 1
    assert list(result.dynamic_partitions_requests[0].partition_keys) == ["2026"]

    instance.add_dynamic_partitions("wave", ["2026"])
    assert isinstance(_evaluate(instance, resources), dg.SkipReason)


def test_empty_or_badly_named_folders_are_ignored(instance, resources, data_dir):
    instance.add_dynamic_partitions("wave", ["2022", "2024", "2025"])
    (data_dir / "raw" / "2027").mkdir()                 # no export yet
    (data_dir / "raw" / "bad name").mkdir()
    (data_dir / "raw" / "bad name" / "x.csv").write_text("JLS\nAda\n")
    assert isinstance(_evaluate(instance, resources), dg.SkipReason)


def test_fresh_instance_requests_every_wave_in_declared_order(instance, resources, data_dir):
    """Declared order, not name order: '2024_autumn' sorts before '2024_spring' but runs after it."""
    settings = Settings.from_env(data_dir=data_dir)
    src = next(p for p in (data_dir / "raw" / "2025").iterdir() if not p.name.startswith((".", "SYNTH", "README")))
    for wave in ("2025_spring", "2025_autumn"):
        (data_dir / "raw" / wave).mkdir()
        shutil.copy(src, data_dir / "raw" / wave / src.name)
        declare_wave(settings, wave)
    result = _evaluate(instance, resources)
    keys = [r.partition_key for r in result.run_requests]
    assert keys == ["2022", "2024", "2025", "2025_spring", "2025_autumn"]
    priorities = [int(r.tags["dagster/priority"]) for r in result.run_requests]
    assert priorities == sorted(priorities, reverse=True) and len(set(priorities)) == len(priorities)
