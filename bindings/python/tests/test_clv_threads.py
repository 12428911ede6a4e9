"""The `threads` argument of the CLV classes: fits and predictions are
bit-identical for every thread count (fixed chunks, fixed summation order),
and the default uses all cores."""
import pytest

import patron

np = pytest.importorskip("numpy")
if not hasattr(patron, "clv"):
    pytest.skip("the clv module is not in this libpatron build", allow_module_level=True)


@pytest.fixture(scope="module")
def data():
    # exact (unrounded) times: nearly every row distinct, 40,000 rows = 3 chunks
    rng = np.random.default_rng(13)
    n = 40_000
    T = rng.uniform(1, 52, n)
    lam = rng.gamma(0.55, 1 / 10.5, n)  # Pareto/NBD: purchase and dropout rates
    mu = rng.gamma(0.6, 1 / 11.7, n)
    alive = np.minimum(rng.exponential(1 / mu), T)
    x = rng.poisson(lam * alive).astype(float)
    tx = np.where(x > 0, alive * rng.uniform(0, 1, n) ** (1 / np.maximum(x, 1)), 0.0)
    m = np.where(x > 0, rng.gamma(6.0, 5.0, n), 0.0)
    return x, tx, T, m


def test_default_is_all_cores():
    assert patron.clv.BetaGeo().options.threads == 0


@pytest.mark.parametrize("cls", [patron.clv.BetaGeo, patron.clv.ParetoNBD])
def test_thread_count_does_not_change_results(data, cls):
    x, tx, T, m = data
    one = cls(threads=1).fit(x, tx, T)
    two = cls(threads=2).fit(x, tx, T)
    every = cls().fit(x, tx, T)
    assert one.params == two.params == every.params
    assert one.log_likelihood == two.log_likelihood
    for a, b in ((one, two), (one, every)):
        assert np.array_equal(a.predict(4.0, x, tx, T), b.predict(4.0, x, tx, T))
        assert np.array_equal(a.prob_alive(x, tx, T), b.prob_alive(x, tx, T))
        assert np.array_equal(a.lifetime_value(None, x, tx, T, m, months=6),
                              b.lifetime_value(None, x, tx, T, m, months=6))
