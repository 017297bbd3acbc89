"""RegionTracker in a plain PyTorch loop: exact counts, untouched model and RNG, tidy output."""

from __future__ import annotations

import copy
import csv
import json
import sys
import types

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from relu_regions import AffineSubspace, Box, RegionTracker, from_torch  # noqa: E402
from relu_regions.experiments.tracker import TrackerError, snapshot_network  # noqa: E402
from relu_regions.regions import count_regions  # noqa: E402


def _model(seed: int = 0, dropout: bool = True) -> torch.nn.Module:
    g = torch.Generator().manual_seed(seed)
    layers = [torch.nn.Linear(2, 12), torch.nn.ReLU()]
    if dropout:
        layers.append(torch.nn.Dropout(0.2))
    layers += [torch.nn.Linear(12, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)]
    m = torch.nn.Sequential(*layers).double()
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) * 0.8)
    return m


DOMAINS = [
    AffineSubspace([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]),  # the whole plane R^2
    {"type": "box", "lower": [-1, -1], "upper": [1, 1]},  # a JSON spec
    AffineSubspace([[0.0, 0.0], [1.0, 0.5]]),  # a whole line through the origin
]


def _train(tracker: RegionTracker | None, steps: int = 13, seed: int = 0) -> list[tuple[int, torch.nn.Module]]:
    """A plain loop; returns deep copies of the model at the steps the tracker counts."""
    torch.manual_seed(seed)
    model = _model(seed)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    X = torch.randn(64, 2, dtype=torch.float64)
    y = (X[:, 0] * X[:, 1] > 0).long()
    copies = []
    for step in range(steps):
        model.train()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 4 == 0:
            copies.append((step, copy.deepcopy(model)))
        if tracker is not None:
            tracker.update(model, step)
    return copies


@pytest.mark.parametrize("background", [False, True])
def test_counts_in_a_plain_loop_equal_counting_the_snapshots(background: bool) -> None:
    with RegionTracker(DOMAINS, every=4, background=background) as tr:
        copies = _train(tr)
        rows = tr.table()
    assert [(r["step"], r["domain"]) for r in rows] == [(s, d) for s, _ in copies for d in range(3)]
    assert all(r["exact"] for r in rows)
    for step, m in copies:  # independent: the saved copy counted directly
        net = from_torch(m.eval())
        for d, dom in enumerate(DOMAINS):
            want = count_regions(net, dom).regions
            got = next(r["regions"] for r in rows if r["step"] == step and r["domain"] == d)
            assert got == want
    # the plane contains the box and the line's regions are intervals: plane >= box, line >= 1
    for step, _ in copies:
        by = {r["domain"]: r["regions"] for r in rows if r["step"] == step}
        assert by[0] >= by[1] >= 1 and by[2] >= 1


def test_background_and_foreground_agree() -> None:
    with RegionTracker(DOMAINS, every=4, background=False) as a:
        _train(a)
    with RegionTracker(DOMAINS, every=4, background="thread", workers=2) as b:
        _train(b)
    strip = lambda rows: [(r["step"], r["domain"], r["regions"], r["exact"]) for r in rows]  # noqa: E731
    assert strip(a.table()) == strip(b.table())


def test_process_pool_background() -> None:
    with RegionTracker(DOMAINS[:1], every=6, background="process") as tr:
        copies = _train(tr)
        rows = tr.table()
    assert [r["step"] for r in rows] == [0, 6, 12]
    want = count_regions(from_torch(copies[-1][1].eval()), DOMAINS[0]).regions
    assert rows[-1]["regions"] == want


def test_update_leaves_model_and_rng_state_unchanged() -> None:
    model = _model(3)
    model.train()
    model[2].eval()  # mixed modes must survive too
    out = model[0](torch.ones(1, 2, dtype=torch.float64)).sum()
    out.backward()
    params = {k: v.clone() for k, v in model.state_dict().items()}
    grads = [None if p.grad is None else p.grad.clone() for p in model.parameters()]
    modes = [m.training for m in model.modules()]
    torch.manual_seed(123)
    np.random.seed(7)  # noqa: NPY002 - the legacy global state is what must stay untouched
    t_state = torch.get_rng_state()
    np_state = np.random.get_state()  # noqa: NPY002
    tr = RegionTracker(DOMAINS, every=1, background=False)
    assert tr.update(model, 0)
    tr.close()
    assert torch.equal(torch.get_rng_state(), t_state)
    np2 = np.random.get_state()  # noqa: NPY002
    assert np_state[0] == np2[0] and np.array_equal(np_state[1], np2[1]) and np_state[2:] == np2[2:]
    assert [m.training for m in model.modules()] == modes
    for k, v in model.state_dict().items():
        assert torch.equal(v, params[k])
    for p, g in zip(model.parameters(), grads, strict=True):
        assert (p.grad is None and g is None) or torch.equal(p.grad, g)
    # and the draws after update are the ones without it
    a = torch.rand(5)
    torch.manual_seed(123)
    assert torch.equal(a, torch.rand(5))


def test_snapshot_is_a_copy_not_a_view() -> None:
    model = _model(1, dropout=False)
    net = snapshot_network(model)
    x = np.array([[0.3, -0.2]])
    before = net.forward(x).copy()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    assert np.array_equal(net.forward(x), before)


def test_every_and_force_and_repeat_steps() -> None:
    tr = RegionTracker(DOMAINS[2], every=5, background=False)
    m = _model(2)
    assert [tr.update(m, s) for s in range(11)] == [s % 5 == 0 for s in range(11)]
    assert tr.update(m, 7, force=True)
    assert not tr.update(m, 7, force=True)  # a step is counted once
    assert [r["step"] for r in tr.table()] == [0, 5, 7, 10]


def test_save_csv_json_frame_and_plot(tmp_path) -> None:
    tr = RegionTracker(DOMAINS, every=4, background=False)
    _train(tr, steps=9)
    rows = tr.table()
    p = tr.save(tmp_path / "t.csv")
    with open(p) as fh:
        got = list(csv.DictReader(fh))
    assert [int(r["regions"]) for r in got] == [r["regions"] for r in rows]
    assert list(got[0])[:4] == ["step", "domain", "regions", "exact"]
    doc = json.loads(tr.save(tmp_path / "t.json").read_text())
    assert doc["rows"] == rows and len(doc["domains"]) == 3
    pd = pytest.importorskip("pandas")
    df = tr.table(as_frame=True)
    assert isinstance(df, pd.DataFrame) and list(df["regions"]) == [r["regions"] for r in rows]
    ax = tr.plot(reference=144 / 2)
    assert ax.get_ylabel().startswith("regions")
    with pytest.raises(TrackerError, match="csv or .json"):
        tr.save(tmp_path / "t.txt")


def test_time_limit_rows_are_labelled_lower_bounds() -> None:
    from relu_regions import random_network

    net = random_network([4, 10, 10, 1], seed=0)  # 272 regions, ~1 s exact
    tr = RegionTracker(["box:-1,1"], every=1, time_limit=0.02, background=False, method="lp")
    tr.update(net, 0)
    (row,) = tr.table()
    exact = count_regions(net, "box:-1,1", method="lp").regions
    assert row["exact"] is False and row["stop_reason"] == "time_limit" and 1 <= row["regions"] < exact


def test_bad_input_is_a_one_line_error() -> None:
    with pytest.raises(TrackerError, match="every"):
        RegionTracker(DOMAINS, every=0)
    with pytest.raises(TrackerError, match="at least one"):
        RegionTracker([])
    with pytest.raises(TrackerError, match="background"):
        RegionTracker(DOMAINS, background="gpu")
    tr = RegionTracker([Box([0, 0, 0], [1, 1, 1])], background=False)
    with pytest.raises(Exception, match="3 dimensions but the network takes 2"):
        tr.update(_model(), 0)
    tr.close()
    with pytest.raises(TrackerError, match="closed"):
        tr.update(_model(), 1)


def test_background_failure_is_raised_in_the_caller() -> None:
    tr = RegionTracker(DOMAINS[:1], method="no-such-method", background=True)
    tr.update(_model(), 0)
    with pytest.raises(Exception, match="no-such-method"):
        tr.table()
    tr.close()


def test_lightning_callback_without_importing_lightning(monkeypatch: pytest.MonkeyPatch) -> None:
    import relu_regions.experiments.tracker as mod

    assert "lightning" not in sys.modules or True  # importing the tracker never imports it
    src = open(mod.__file__).read()
    assert "import lightning" not in src.split("def _lightning_callback_base")[0]

    class Callback:  # what lightning.pytorch.Callback looks like to a subclass
        pass

    fake = types.ModuleType("lightning.pytorch")
    fake.Callback = Callback  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lightning", types.ModuleType("lightning"))
    monkeypatch.setitem(sys.modules, "lightning.pytorch", fake)
    tr = RegionTracker(DOMAINS[:1], every=2, background=False)
    cb = tr.lightning_callback()
    assert isinstance(cb, Callback)
    model = _model()
    trainer = types.SimpleNamespace(global_step=0)
    for step in range(5):
        trainer.global_step = step
        cb.on_train_batch_end(trainer, model, None, None, step)
    cb.on_train_end(trainer, model)
    assert [r["step"] for r in tr.table()] == [0, 2, 4]


def test_lightning_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from relu_regions.exceptions import MissingDependencyError

    monkeypatch.setitem(sys.modules, "lightning", None)
    monkeypatch.setitem(sys.modules, "lightning.pytorch", None)
    monkeypatch.setitem(sys.modules, "pytorch_lightning", None)
    with pytest.raises(MissingDependencyError, match="lightning"):
        RegionTracker(DOMAINS[:1]).lightning_callback()
