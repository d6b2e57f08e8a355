"""The customer population (orgsim.model.customers): small-world network and brand choice."""

from __future__ import annotations

import numpy as np
import pytest

from orgsim.model.customers import ChoiceInputs, Customers, small_world


@pytest.mark.parametrize(("n", "degree", "rewiring"), [(100, 10, 0.1), (50, 4, 0.0), (30, 6, 1.0), (5, 10, 0.5)])
def test_small_world_csr_shape_degree_no_self_ties(n, degree, rewiring):
    indptr, indices = small_world(n, degree, rewiring, np.random.default_rng(0))
    k = min(degree, n - 1)
    assert indptr.shape == (n + 1,)
    assert indptr[0] == 0 and indptr[-1] == len(indices) == n * k
    assert np.all(np.diff(indptr) == k)
    assert np.all((indices >= 0) & (indices < n))
    owners = np.repeat(np.arange(n), k)
    assert not np.any(indices == owners)


def test_small_world_no_rewiring_is_a_ring():
    indptr, indices = small_world(10, 4, 0.0, np.random.default_rng(0))
    assert sorted(indices[indptr[0] : indptr[1]].tolist()) == [1, 2, 8, 9]


def test_small_world_degree_zero():
    indptr, indices = small_world(10, 0, 0.5, np.random.default_rng(0))
    assert indptr.tolist() == [0] * 11 and len(indices) == 0


def test_small_world_rewiring_changes_ties():
    ring = small_world(200, 6, 0.0, np.random.default_rng(1))[1]
    rewired = small_world(200, 6, 1.0, np.random.default_rng(1))[1]
    assert np.mean(ring != rewired) > 0.8


def _customers(n=2000, firms=4, seed=0, degree=6):
    return Customers(n, firms, degree, 0.1, 0.5, 4.0, np.random.default_rng(seed))


def _inputs(firms=4, **kw):
    base = dict(
        quality=np.full(firms, 0.5),
        experience=np.full(firms, 0.5),
        analytics=np.full(firms, 0.2),
        pressure=0.3,
        beta_quality=3.0,
        beta_experience=3.0,
        beta_personalisation=3.0,
        beta_word_of_mouth=2.0,
        switching_cost=1.0,
        experience_weight_floor=0.3,
        reconsider=0.3,
    )
    base.update(kw)
    return ChoiceInputs(**base)


def test_customers_initial_state():
    c = _customers()
    assert c.brand.shape == (2000,) and c.brand.min() >= 0 and c.brand.max() < 4
    assert np.all((c.taste > 0) & (c.taste < 1))
    assert c.degree == 6
    assert c.counts().sum() == 2000
    assert c.shares().sum() == pytest.approx(1.0)


def test_choose_brands_stay_in_range():
    c = _customers(firms=5)
    rng = np.random.default_rng(1)
    for _ in range(10):
        switched = c.choose(_inputs(5, reconsider=0.8, switching_cost=0.0), rng)
        assert 0 <= switched <= c.n
        assert c.brand.min() >= 0 and c.brand.max() < 5
        assert c.counts().sum() == c.n


def test_choose_nobody_reconsiders_nobody_moves():
    c = _customers()
    before = c.brand.copy()
    assert c.choose(_inputs(reconsider=0.0, quality=np.array([1.0, 0, 0, 0])), np.random.default_rng(2)) == 0
    assert np.array_equal(c.brand, before)


def test_choose_huge_quality_advantage_attracts_customers():
    c = _customers()
    before = c.shares()[0]
    x = _inputs(
        quality=np.array([1.0, 0.0, 0.0, 0.0]),
        beta_quality=20.0,
        pressure=0.0,
        experience_weight_floor=0.0,
        switching_cost=0.0,
        beta_word_of_mouth=0.0,
        reconsider=1.0,
    )
    switched = c.choose(x, np.random.default_rng(3))
    assert switched > 0.5 * c.n
    assert c.shares()[0] > 0.99 > before


def test_choose_switching_cost_keeps_customers():
    x_free = _inputs(switching_cost=0.0, reconsider=1.0)
    x_sticky = _inputs(switching_cost=10.0, reconsider=1.0)
    moved_free = _customers(seed=4).choose(x_free, np.random.default_rng(5))
    moved_sticky = _customers(seed=4).choose(x_sticky, np.random.default_rng(5))
    assert moved_sticky < moved_free
    assert moved_sticky < 0.01 * 2000


def test_choose_deterministic_for_same_seed():
    a, b = _customers(seed=9), _customers(seed=9)
    assert np.array_equal(a.brand, b.brand) and np.array_equal(a.indices, b.indices)
    ra, rb = np.random.default_rng(11), np.random.default_rng(11)
    x = _inputs(quality=np.array([0.9, 0.5, 0.3, 0.6]))
    for _ in range(5):
        assert a.choose(x, ra) == b.choose(x, rb)
        assert np.array_equal(a.brand, b.brand)
    c = _customers(seed=9)
    for k in range(5):
        c.choose(x, np.random.default_rng(12 + k))
    assert not np.array_equal(a.brand, c.brand)  # a different generator draws different choices


def test_choose_inputs_are_frozen():
    x = _inputs()
    with pytest.raises(AttributeError):  # a NamedTuple: read-only fields
        x.pressure = 0.9  # type: ignore[misc]
