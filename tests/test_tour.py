from hft import tour


def test_tour_runs_every_core_component(capsys):
    tour.main()
    out = capsys.readouterr().out
    assert "loaded 9,500 EUR/USD quotes" in out
    assert "ring: pushed 1000 quote records, 999 waiting" in out
    assert "decoded back equal: True" in out
    assert "risk: order of 100,000 denied with code 4" in out
    assert "pool: hits 2 misses 1" in out
