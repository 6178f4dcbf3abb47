import os

from hypothesis import HealthCheck, settings

# Deterministic by default (CI and local runs see the same examples); HFT_HYPOTHESIS=dev
# explores new random examples.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=200,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HFT_HYPOTHESIS", "ci"))
