"""A job run in this process without Dagster keeping every step's output in memory.

JobDefinition.execute_in_process holds each output a step returns until the run ends, for the
result's output_for_node (dagster-io/dagster#9731, open): made for tests, it costs a wave run
the memory of every frame it has already handed on. Nothing here reads outputs from the result
(a wave's outputs are the IO manager's files, its steps' facts are events), and at 100,000 units
the capture held the export, the responses and the indicator matrix, about 420 MB, through the
analysis and the publishing step (the main process' peak 2,598 -> 2,177 MB without it).

execute_without_capture makes the run exactly as execute_in_process does (the same private
helpers of Dagster 1.13, in the same order: the pin in pyproject.toml is what this was checked
against), with output capturing off. lei_pipeline_tests/pipeline/test_in_process.py checks that
a wave run holds no output and gives the same events as execute_in_process."""
from __future__ import annotations

from collections.abc import Mapping

import dagster as dg


def execute_without_capture(job: dg.JobDefinition, *, instance: dg.DagsterInstance, partition_key: str,
                            run_config: Mapping, tags: Mapping[str, str],
                            raise_on_error: bool = False) -> dg.ExecuteInProcessResult:
    """job.execute_in_process(instance=, partition_key=, run_config=, tags=, raise_on_error=),
    with no step output kept for the result."""
    from dagster._core.definitions.job_base import InMemoryJob
    from dagster._core.definitions.partitions.context import partition_loading_context
    from dagster._core.execution.execute_in_process import (
        core_execute_in_process,
        merge_run_tags,
        type_check_and_normalize_args,
    )

    run_config, op_selection, asset_selection, resource_defs, partition_key, input_values = (
        type_check_and_normalize_args(run_config=run_config, partition_key=partition_key, op_selection=None,
                                      asset_selection=None, input_values=None, resources=None))
    ephemeral = job.as_ephemeral_job(resource_defs=resource_defs, input_values=input_values,
                                     op_selection=op_selection, asset_selection=asset_selection)
    if partition_key and ephemeral.partitions_def:
        with partition_loading_context(dynamic_partitions_store=instance) as ctx:
            ephemeral.validate_partition_key(partition_key=partition_key, selected_asset_keys=set(asset_selection),
                                             context=ctx)
    if not run_config and ephemeral.partitioned_config and partition_key:
        run_config = ephemeral.partitioned_config.get_run_config_for_partition_key(partition_key)
    return core_execute_in_process(
        job=InMemoryJob(job_def=ephemeral), run_config=run_config, instance=instance,
        output_capturing_enabled=False, raise_on_error=raise_on_error,
        run_tags=merge_run_tags(job_def=job, partition_key=partition_key, tags=tags, asset_selection=asset_selection,
                                instance=instance, run_config=run_config),
        run_id=None, asset_selection=frozenset(asset_selection))
