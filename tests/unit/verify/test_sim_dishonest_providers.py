"""A bounded run of the dishonest-provider simulation (the script runs 1,000 jobs)."""

from tools.sim.dishonest import Forgery, SimulationConfig, run_simulation


def test_every_forgery_is_caught_and_no_honest_job_is_slashed() -> None:
    report = run_simulation(SimulationConfig(jobs=80, forged_fraction=0.4, seed=7))
    assert report.not_judged == 0
    assert report.honest + report.forged == 80
    assert report.honest > 30 and report.forged == 32
    assert report.honest_slashed == 0
    assert report.false_slash_rate == 0.0
    assert report.detection_rate >= 0.99
    assert report.matmul_forged > 5 and report.matmul_detection_rate >= 0.99
    kinds_seen = [name for name, tally in report.by_forgery.items() if tally.jobs]
    assert len(kinds_seen) >= 8
    assert set(report.by_forgery) == {f.value for f in Forgery}
    assert 0 < report.honest_max_band_use < 0.5
    assert 0.995 < report.honest_min_cosine < 1.0 + 1e-6
