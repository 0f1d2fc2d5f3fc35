"""Instance-type parsing: family, size, GPU, smaller sizes and CPU fallbacks."""

from __future__ import annotations

from jupyter_smcost.suggestions import instances


def test_instance_parsing() -> None:
    g5 = instances.parse("ml.g5.xlarge")
    assert g5 is not None and (g5.family, g5.size, g5.gpu) == ("g5", "xlarge", True)
    assert instances.parse("ml.p4d.24xlarge") is not None
    assert instances.is_gpu("ml.p4d.24xlarge") and instances.is_gpu("ml.gr6.4xlarge")
    assert not instances.is_gpu("ml.m5.large")
    # Inferentia and Trainium are not NVIDIA GPUs, and "geospatial" only starts with a g.
    assert not instances.is_gpu("ml.inf2.xlarge") and not instances.is_gpu("ml.trn1.2xlarge")
    for bad in (None, "", "local", "local_gpu", "m5.large", "ml.m5.huge", "ml.m5"):
        assert instances.parse(bad) is None
    assert instances.smaller_sizes("ml.m5.2xlarge") == (
        "ml.m5.xlarge",
        "ml.m5.large",
        "ml.m5.medium",
    )
    assert instances.smaller_sizes("ml.c5.9xlarge", limit=2) == ("ml.c5.8xlarge", "ml.c5.6xlarge")
    assert instances.smaller_sizes("ml.t3.nano") == ()
    assert instances.smaller_sizes("local") == ()
    assert instances.cpu_fallbacks("ml.g5.xlarge") == (
        "ml.m5.xlarge",
        "ml.m6i.xlarge",
        "ml.m7i.xlarge",
    )
    assert instances.cpu_fallbacks("ml.m5.xlarge") == ()
