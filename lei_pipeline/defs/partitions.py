import dagster as dg

# One partition per survey wave; waves arrive irregularly, so partitions are added by the
# new-wave sensor or by `lei wave add`, not by a calendar.
wave_partitions = dg.DynamicPartitionsDefinition(name="wave")
