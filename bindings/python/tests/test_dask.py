"""patron.dask on a LocalCluster with two worker processes: the summary of a
log split across partitions, fits over the partitions (chunk API, the
driver iterating) and predictions by map_partitions equal the
single-process results (summary and predictions exactly, fits to 1e-9
relative)."""
import os

import pytest

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import patron  # noqa: E402

if not hasattr(patron, "clv"):
    pytest.skip("the clv module is not in this libpatron build", allow_module_level=True)
import patron.dask  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def client():
    # the workers are new processes: they find the package and the library
    # through the environment
    pkg = os.path.dirname(HERE)
    os.environ["PYTHONPATH"] = pkg + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else "")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=40)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def log():
    """A transaction log of 4,000 customers (exact times), in random row
    order, so that partitions cut customers apart until the shuffle."""
    rng = np.random.default_rng(31)
    n = 4000
    start = pd.Timestamp("2024-01-01")
    rows = []
    for c in range(n):
        birth = rng.uniform(0, 200)
        lam = rng.gamma(0.5, 1 / 8.0)
        life = rng.exponential(1 / rng.gamma(0.6, 1 / 20.0))
        t = birth
        k = 0
        while t <= 365 and (t - birth) <= life and k < 200:
            rows.append((c, start + pd.Timedelta(seconds=int(t * 86400)), round(rng.gamma(4.0, 6.0), 2)))
            t += rng.exponential(1 / lam) if lam > 0 else 1e9
            k += 1
    df = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    return df.sample(frac=1.0, random_state=3).reset_index(drop=True)


@pytest.fixture(scope="module")
def summaries(client, log):
    end = pd.Timestamp("2025-01-01")
    whole = patron.frame.summary(log, "customer_id", "date", "amount", observation_end=end, freq="D")
    ddf = dd.from_pandas(log, npartitions=4, sort=False)
    part = patron.dask.summary(ddf, "customer_id", "date", "amount", observation_end=end, freq="D")
    return whole, part


def test_summary_equals_single_process(summaries):
    whole, part = summaries
    got = part.compute().sort_index()
    assert part.npartitions == 4
    pd.testing.assert_frame_equal(got, whole.sort_index(), check_exact=True)


def test_summary_default_end_is_last_time(client, log):
    ddf = dd.from_pandas(log, npartitions=3, sort=False)
    got = patron.dask.summary(ddf, "customer_id", "date", "amount").compute().sort_index()
    want = patron.frame.summary(log, "customer_id", "date", "amount", observation_end=log["date"].max())
    pd.testing.assert_frame_equal(got, want.sort_index(), check_exact=True)


def _rel(a, b):
    return abs(a - b) / max(abs(a), abs(b))


@pytest.mark.parametrize("cls", [patron.clv.BetaGeo, patron.clv.ParetoNBD, patron.clv.GammaGamma])
def test_fit_equals_single_process(summaries, cls):
    whole, part = summaries
    single = cls(threads=1)
    if cls is patron.clv.GammaGamma:
        rep = whole[whole["frequency"] > 0]
        single.fit(rep["frequency"], rep["monetary_value"])
    else:
        single.fit(whole)
    # a small sample for the start, so that the distributed Newton steps do the work
    dist = patron.dask.fit(cls(), part, sample_rows=400)
    assert dist.result.iterations >= 1
    for k, v in single.params.items():
        assert _rel(dist.params[k], v) <= 1e-9, (k, dist.params[k], v)
        assert _rel(dist.standard_errors[k], single.standard_errors[k]) <= 1e-4
    assert _rel(dist.log_likelihood, single.log_likelihood) <= 1e-12


def test_predictions_by_partition(summaries):
    whole, part = summaries
    bg = patron.clv.BetaGeo().fit(whole)
    rep = whole[whole["frequency"] > 0]
    gg = patron.clv.GammaGamma().fit(rep["frequency"], rep["monetary_value"])
    pa = patron.dask.prob_alive(bg, part).compute().sort_index()
    ce = patron.dask.predict(bg, part, 30).compute().sort_index()
    lv = patron.dask.lifetime_value(bg, gg, part, months=12).compute().sort_index()
    ws = whole.sort_index()
    np.testing.assert_array_equal(pa.to_numpy(), bg.prob_alive(ws).to_numpy())
    np.testing.assert_array_equal(ce.to_numpy(), bg.predict(30, ws).to_numpy())
    np.testing.assert_array_equal(lv.to_numpy(), bg.lifetime_value(gg, ws, months=12).to_numpy())
    assert list(pa.index) == list(ws.index)


def test_penalizer_refused(summaries):
    _, part = summaries
    with pytest.raises(NotImplementedError):
        patron.dask.fit(patron.clv.BetaGeo(penalizer=0.1), part)
