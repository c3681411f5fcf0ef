import gc

import pytest

from lei_pipeline.collector import collector_paused


def test_the_collector_is_paused_inside_and_back_as_it_was_after_however_the_loop_ends():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collector_paused():
        1 / 0
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()   # a caller that had paused it keeps it paused
    finally:
        gc.enable()
