"""execute_without_capture (defs/in_process.py): a run in this process like execute_in_process,
except that Dagster does not keep what each step returned until the run ends."""
from __future__ import annotations

import gc
import weakref

import dagster as dg

from lei_pipeline.defs.in_process import execute_without_capture

PARTS = dg.StaticPartitionsDefinition(["2022", "2024"])


class Frame:
    """Stands for a large frame a step hands on; only weak references are kept by the test."""


def _job(seen: list):
    born: list[weakref.ref] = []

    class TokenIO(dg.IOManager):
        """Keeps nothing of the object: the next step gets a new one (as a file would give)."""

        def handle_output(self, context, obj):
            pass

        def load_input(self, context):
            return Frame()

    @dg.asset(partitions_def=PARTS)
    def upstream() -> Frame:
        frame = Frame()
        born.append(weakref.ref(frame))
        return frame

    @dg.asset(partitions_def=PARTS)
    def downstream(upstream: Frame) -> Frame:
        gc.collect()
        seen.append(born[-1]() is not None)   # is the upstream step's own object still alive?
        return upstream

    defs = dg.Definitions(assets=[upstream, downstream],
                          resources={"io_manager": dg.IOManagerDefinition.hardcoded_io_manager(TokenIO())},
                          jobs=[dg.define_asset_job("both", partitions_def=PARTS)])
    return defs.resolve_job_def("both")


def _events(result) -> list[tuple[str, str | None]]:
    return [(e.event_type_value, e.step_key) for e in result.all_events]


def test_a_step_s_output_is_not_kept_for_the_run_and_the_run_is_the_same():
    captured, released = [], []
    with dg.instance_for_test() as instance:
        before = _job(captured).execute_in_process(instance=instance, partition_key="2024", tags={"lei/source": "test"})
        after = execute_without_capture(_job(released), instance=instance, partition_key="2024", run_config={},
                                        tags={"lei/source": "test"})
        assert before.success and after.success
        assert captured == [True]        # execute_in_process keeps what upstream returned
        assert released == [False]       # here nothing does, once the IO manager has it
        assert _events(after) == _events(before)
        run = instance.get_run_by_id(after.run_id)
        assert run.tags["dagster/partition"] == "2024" and run.tags["lei/source"] == "test"
        mats = after.get_asset_materialization_events()
        assert sorted((m.asset_key.to_user_string(), m.partition) for m in mats) == [("downstream", "2024"),
                                                                                   ("upstream", "2024")]


def test_an_unknown_partition_is_refused_as_execute_in_process_refuses_it():
    import pytest

    with dg.instance_for_test() as instance:
        with pytest.raises(Exception) as theirs:
            _job([]).execute_in_process(instance=instance, partition_key="1999")
        with pytest.raises(type(theirs.value), match="1999"):
            execute_without_capture(_job([]), instance=instance, partition_key="1999", run_config={}, tags={})
        assert "partition" in str(theirs.value).lower()
