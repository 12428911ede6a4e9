import pytest

import patron
from conftest import SHARED

np = pytest.importorskip("numpy")
if not hasattr(patron, "summary"):
    pytest.skip("summary module not in this libpatron build", allow_module_level=True)
pd = pytest.importorskip("pandas")

SAMPLE = SHARED / "data" / "cdnow" / "CDNOW_sample.txt"
REF = SHARED / "reference" / "cdnow_summary_to_1997-09-30_D.csv"


@pytest.fixture(scope="module")
def cdnow():
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} absent")
    df = pd.read_csv(SAMPLE, sep=r"\s+", header=None, names=["master", "id", "date", "cds", "spent"])
    df["date"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    return df


def test_summary_matches_lifetimes(cdnow):
    s = patron.summary(cdnow, customer="id", time="date", amount="spent", observation_end="1997-09-30")
    ref = pd.read_csv(REF, index_col=0)
    assert s.index.name == "id"
    common = ref.index
    got = s.loc[common]
    assert len(got) == len(ref)
    np.testing.assert_array_equal(got["frequency"].to_numpy(), ref["frequency"].to_numpy())
    np.testing.assert_array_equal(got["recency"].to_numpy(), ref["recency"].to_numpy())
    np.testing.assert_array_equal(got["T"].to_numpy(), ref["T"].to_numpy())
    np.testing.assert_allclose(got["monetary_value"].to_numpy(), ref["monetary_value"].to_numpy(), rtol=1e-12)


def test_summary_from_arrays_without_pandas_output():
    cols = {"customer_id": np.array([1, 1, 2], dtype=np.int64),
            "date": np.array(["2020-01-01", "2020-01-11", "2020-01-05"], dtype="datetime64[s]"),
            "amount": np.array([10.0, 20.5, 5.0])}
    s = patron.summary(cols, as_pandas=False)
    assert list(s["customer_id"]) == [1, 2]
    assert list(s["frequency"]) == [1.0, 0.0]
    assert list(s["recency"]) == [10.0, 0.0]
    assert list(s["T"]) == [10.0, 6.0]
    assert s["monetary_value"][0] == pytest.approx(20.5)


def test_bad_rows_raise_patron_error_with_detail():
    cols = {"customer_id": np.array([1, 2], dtype=np.int64),
            "date": np.array([0, 10**15], dtype=np.int64),
            "amount": np.array([1.0, 2.0])}
    with pytest.raises(patron.PatronError) as ei:
        patron.summary(cols)
    assert ei.value.status in (patron.Status.PATRON_ERANGE, patron.Status.PATRON_EINVAL)
    assert "row" in ei.value.message


def test_txlog_handle_is_a_context_manager():
    with patron.Txlog.new() as log:
        log.add_id(7, 0, 100)
        assert log.count() == 1
    assert log.closed
    with pytest.raises(Exception, match="closed"):
        log.count()


def test_zero_copy_numpy_into_frame():
    f = patron.frame_from_columns([1, 0], [5, 0], [10, 3], ids=[11, 12])
    with f:
        cols = patron.frame_columns(f)
    assert list(cols["customer_id"]) == [11, 12]
    assert list(cols["T"]) == [10.0, 3.0]
