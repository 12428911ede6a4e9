"""Every plot of patron.plot and patron.lifetimes.plotting is drawn on
CDNOW and written to PNG: each returns its Axes, labels both axes (with
the time unit where there is one), labels its colour bar, and takes
overriding titles and labels; the heat-maps are laid out as lifetimes'
(frequency across, recency down) and hold the model's values."""
import pytest

import patron
from conftest import SHARED

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

if not hasattr(patron, "clv") or not hasattr(patron, "summary"):
    pytest.skip("the clv and summary modules are not in this build", allow_module_level=True)

from patron import plot  # noqa: E402
from patron.lifetimes import BetaGeoFitter  # noqa: E402
from patron.lifetimes import plotting as lp  # noqa: E402
from patron.lifetimes.utils import calibration_and_holdout_data  # noqa: E402

SAMPLE = SHARED / "data" / "cdnow" / "CDNOW_sample.txt"
WEEKS = SHARED / "data" / "cdnow" / "cdnow_customers_summary.csv"


@pytest.fixture(scope="module")
def tx():
    if not SAMPLE.exists():
        pytest.skip("CDNOW sample absent")
    t = pd.read_csv(SAMPLE, sep=r"\s+", header=None, names=["master", "id", "date", "cds", "spent"])
    t["date"] = pd.to_datetime(t["date"].astype(str), format="%Y%m%d")
    return t


@pytest.fixture(scope="module")
def weekly():
    if not WEEKS.exists():
        pytest.skip("CDNOW summary absent")
    d = pd.read_csv(WEEKS, index_col=0)
    return patron.clv.BetaGeo().fit(d)


@pytest.fixture(scope="module")
def daily(tx):
    cal = patron.summary(tx, customer="id", time="date", amount="spent", calibration_end="1997-09-30",
                         observation_end="1998-06-30")
    return patron.clv.BetaGeo().fit(cal), cal


def saved(ax, tmp_path, name):
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    out = tmp_path / f"{name}.png"
    ax.figure.savefig(out, dpi=60)
    plt.close(ax.figure)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000
    return ax


def colorbar_label(ax):
    cbars = [a for a in ax.figure.axes if a is not ax]
    assert len(cbars) == 1
    return cbars[0].get_ylabel()


def test_heatmaps_as_lifetimes(weekly, tmp_path):
    ax = plot.frequency_recency_matrix(weekly, max_frequency=20, max_recency=39, unit="weeks")
    z = ax.get_images()[0].get_array()
    assert z.shape == (40, 21)                                  # rows recency 0..39, columns frequency 0..20
    assert z[30, 2] == pytest.approx(weekly.predict(1, 2, 30, 39))
    assert "frequency" in ax.get_xlabel() and "recency" in ax.get_ylabel() and "weeks" in ax.get_ylabel()
    assert colorbar_label(ax) == "expected purchases in the next 1 week"
    saved(ax, tmp_path, "fr")
    ax = plot.probability_alive_matrix(weekly, max_frequency=20, max_recency=39, title="mine", xlabel="x",
                                       ylabel="y", colorbar_label="alive?")
    z = ax.get_images()[0].get_array()
    assert z.shape == (40, 21) and z[10, 5] == pytest.approx(weekly.prob_alive(5, 10, 39))
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), colorbar_label(ax)) == ("mine", "x", "y", "alive?")
    saved(ax, tmp_path, "pa")
    # limits default to the fitted data (largest frequency and T)
    ax = plot.probability_alive_matrix(weekly)
    assert ax.get_images()[0].get_array().shape == (int(weekly.data["T"].max()) + 1,
                                                     int(weekly.data["frequency"].max()) + 1)
    plt.close(ax.figure)


def test_time_plots(daily, tx, tmp_path):
    model, cal = daily
    ax = saved(plot.calibration_vs_holdout(model, cal, unit="days"), tmp_path, "cal")
    birth, h, actual = plot.tracking_from_transactions(tx, "id", "date", 546)
    ax = plot.cumulative_transactions(model, birth, h, actual, calibration_end=272, unit="days")
    assert "days" in ax.get_xlabel()
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), model.expected_cohort(birth, h))
    saved(ax, tmp_path, "cum")
    ax = plot.incremental_transactions(model, birth, h, actual, calibration_end=272, unit="days", title="daily")
    assert ax.get_title() == "daily" and ax.get_lines()[0].get_ydata().sum() == actual[-1]
    saved(ax, tmp_path, "inc")
    ax = plot.history_alive(model, 365, tx[tx["id"] == 1516], "date")
    path = ax.get_lines()[0].get_ydata()
    assert len(path) == 366 and path[0] == 1.0 and np.all((path > 0) & (path <= 1))
    saved(ax, tmp_path, "hist")
    ax = plot.expected_repeat_purchases(model, unit="days")
    assert "days" in ax.get_xlabel()
    saved(ax, tmp_path, "erp")
    ax = plot.period_transactions(model)
    heights = [p.get_height() for p in ax.patches]
    assert heights[0] == (cal["frequency"] == 0).sum()         # actual bar for frequency 0
    saved(ax, tmp_path, "period")
    for fn in (plot.transaction_rate_heterogeneity, plot.dropout_rate_heterogeneity):
        saved(fn(model, unit="days"), tmp_path, fn.__name__)


def test_kaplan_meier_bands(daily, tmp_path):
    _, cal = daily
    t = cal["recency"].to_numpy()
    ev = (cal["frequency"] > 0).to_numpy().astype(np.intc)
    arm = (np.arange(len(t)) % 2).astype(np.intc)
    ax = plot.kaplan_meier(t, ev, arm, unit="days")
    assert "days" in ax.get_xlabel()
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2
    saved(ax, tmp_path, "km")
    ax = plot.kaplan_meier(t, ev, arm, band=False, title="t")
    assert not ax.collections and ax.get_title() == "t"
    plt.close(ax.figure)


def test_lifetimes_plotting(tx, tmp_path):
    ch = calibration_and_holdout_data(tx, "id", "date", calibration_period_end="1997-09-30",
                                      observation_period_end="1998-06-30")
    m = BetaGeoFitter().fit(ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    ax = lp.plot_frequency_recency_matrix(m)
    assert ax.get_xlabel() == "Customer's Historical Frequency" and ax.get_ylabel() == "Customer's Recency"
    assert ax.get_title().startswith("Expected Number of Future Purchases for 1 Unit of Time,")
    assert colorbar_label(ax)
    saved(ax, tmp_path, "lt_fr")
    ax = lp.plot_probability_alive_matrix(m, max_frequency=10, max_recency=100)
    assert ax.get_images()[0].get_array().shape == (101, 11) and colorbar_label(ax) == "P(alive)"
    saved(ax, tmp_path, "lt_pa")
    saved(lp.plot_period_transactions(m), tmp_path, "lt_period")
    ax = lp.plot_calibration_purchases_vs_holdout_purchases(m, ch)
    assert ax.get_xlabel() == "Purchases in calibration period"
    saved(ax, tmp_path, "lt_cal")
    saved(lp.plot_calibration_purchases_vs_holdout_purchases(m, ch, kind="time_since_last_purchase"), tmp_path,
          "lt_cal_tslp")
    saved(lp.plot_expected_repeat_purchases(m), tmp_path, "lt_erp")
    saved(lp.plot_history_alive(m, 200, tx[tx["id"] == 35], "date"), tmp_path, "lt_hist")
    ax = lp.plot_cumulative_transactions(m, tx, "date", "id", 546, 272)
    assert ax.get_ylabel() == "Cumulative Transactions"
    saved(ax, tmp_path, "lt_cum")
    saved(lp.plot_incremental_transactions(m, tx, "date", "id", 546, 272), tmp_path, "lt_inc")
    ax = lp.plot_transaction_rate_heterogeneity(m)
    assert ax.get_xlabel() == "Transaction Rate" and ax.get_title().startswith("mean: ")
    saved(ax, tmp_path, "lt_trh")
    saved(lp.plot_dropout_rate_heterogeneity(m), tmp_path, "lt_drh")
