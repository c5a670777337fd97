"""The transport solver for sharing spare capacity: hand-worked cases, properties against networkx, one large instance.

Pure Python, no database. networkx is the independent check: the most that can be moved is the maximum flow of
super-source → sources (capacity the surplus) → targets (the pairs within range, capacity unbounded, weight the
distance) → super-sink (capacity the deficit), and the least cost is that of `max_flow_min_cost` on the same graph.
"""

from __future__ import annotations

import math
from collections import defaultdict
from types import SimpleNamespace

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse.csgraph import maximum_flow
from scipy.spatial import cKDTree

from assetmap.analysis import sharing
from assetmap.analysis.sharing import Flow, Solution, SolverError, solve


def by_pair(solution: Solution) -> dict[tuple, float]:
    return {(f.source, f.target): f.amount for f in solution.flows}


def check_feasible(solution: Solution, surplus, deficit, distances, max_distance) -> None:
    """Within every surplus and deficit, only on pairs in range, non-negative; moved and cost add up."""
    allowed = defaultdict(lambda: math.inf)
    for s, t, d in distances:
        if d <= max_distance:
            allowed[(s, t)] = min(allowed[(s, t)], d)
    sent: dict = defaultdict(float)
    received: dict = defaultdict(float)
    for f in solution.flows:
        assert f.amount > 0
        assert f.distance <= max_distance
        assert f.distance == allowed[(f.source, f.target)]
        sent[f.source] += f.amount
        received[f.target] += f.amount
    for s, amount in sent.items():
        assert amount <= surplus[s] * (1 + 1e-9)
    for t, amount in received.items():
        assert amount <= deficit[t] * (1 + 1e-9)
    assert len({(f.source, f.target) for f in solution.flows}) == len(solution.flows)
    assert solution.moved == pytest.approx(sum(f.amount for f in solution.flows))
    assert solution.cost == pytest.approx(sum(f.amount * f.distance for f in solution.flows))
    assert [f.amount for f in solution.flows] == sorted((f.amount for f in solution.flows), reverse=True)


def is_forest(solution: Solution) -> bool:
    """A vertex of the transportation polytope: the links used form no cycle."""
    g = nx.Graph()
    g.add_edges_from((("s", f.source), ("t", f.target)) for f in solution.flows)
    return nx.is_forest(g) if g else True


# --- hand-worked cases ---------------------------------------------------------------------------------------------

def test_one_surplus_one_deficit_in_range():
    solution = solve({"a": 30}, {"b": 20}, [("a", "b", 500.0)], 1000)
    assert solution == Solution([Flow("a", "b", 20.0, 500.0)], 20.0, 10_000.0)


def test_one_surplus_one_deficit_out_of_range():
    solution = solve({"a": 30}, {"b": 20}, [("a", "b", 1500.0)], 1000)
    assert solution == Solution([], 0.0, 0.0)


def test_max_distance_is_inclusive():
    assert solve({"a": 5}, {"b": 8}, [("a", "b", 1000.0)], 1000).moved == 5


def test_greedy_nearest_first_is_not_optimal():
    # Sources A, B and targets X, Y, 10 each; distances A–X 1000, A–Y 2000, B–X 2000, B–Y 5000 (max 6000).
    # Greedy nearest-first takes the shortest link A–X first (10 × 1000), leaving B–Y (10 × 5000): cost 60,000.
    # Crossing over, A–Y and B–X, moves the same 20 for 10 × 2000 + 10 × 2000 = 40,000, the least.
    distances = [("A", "X", 1000), ("A", "Y", 2000), ("B", "X", 2000), ("B", "Y", 5000)]
    solution = solve({"A": 10, "B": 10}, {"X": 10, "Y": 10}, distances, 6000)
    assert solution.moved == 20
    assert solution.cost == 40_000
    assert by_pair(solution) == {("A", "Y"): 10, ("B", "X"): 10}


def test_moving_the_most_comes_before_the_shortest_links():
    # A (10) reaches X at 100 m and Y at 900 m; B (10) reaches only X, at 800 m; X and Y need 10 each.
    # The cheapest use of the short link, A–X, moves 10 for 1000 and strands B. Moving the most (20) needs A–Y and
    # B–X: 10 × 900 + 10 × 800 = 17,000, which is the answer even though it costs far more.
    distances = [("A", "X", 100), ("A", "Y", 900), ("B", "X", 800)]
    solution = solve({"A": 10, "B": 10}, {"X": 10, "Y": 10}, distances, 1000)
    assert solution.moved == 20
    assert solution.cost == 17_000
    assert by_pair(solution) == {("A", "Y"): 10, ("B", "X"): 10}


def test_a_partial_deficit_takes_the_nearer_surplus():
    # X needs 15; A (10) is 300 m away and B (10) 700 m: all of A and 5 of B, 10 × 300 + 5 × 700 = 6500.
    solution = solve({"A": 10, "B": 10}, {"X": 15}, [("B", "X", 700), ("A", "X", 300)], 1000)
    assert solution.flows == [Flow("A", "X", 10.0, 300.0), Flow("B", "X", 5.0, 700.0)]
    assert (solution.moved, solution.cost) == (15, 6500)


@pytest.mark.parametrize("surplus, deficit, distances", [
    ({}, {}, []),
    ({"a": 5}, {}, [("a", "b", 10)]),
    ({}, {"b": 5}, [("a", "b", 10)]),
    ({"a": 5}, {"b": 5}, []),
    ({"a": 0, "c": -3}, {"b": 5}, [("a", "b", 10), ("c", "b", 10)]),  # non-positive surpluses are ignored
    ({"a": 5}, {"b": 5}, [("a", "z", 10), ("z", "b", 10), ("b", "a", 10)]),  # keys absent, or the wrong way round
])
def test_nothing_to_move(surplus, deficit, distances, monkeypatch):
    def no_solver(*args, **kwargs):
        raise AssertionError("the solver should not be called")

    monkeypatch.setattr(sharing, "linprog", no_solver)
    assert solve(surplus, deficit, distances, 1000) == Solution([], 0.0, 0.0)


def test_pair_given_twice_keeps_the_shorter_distance():
    solution = solve({"a": 4}, {"b": 6}, [("a", "b", 900), ("a", "b", 400), ("a", "b", 1200)], 1000)
    assert solution.flows == [Flow("a", "b", 4.0, 400.0)]


def test_a_key_in_both_is_a_source_and_a_target_independently():
    # "m" has 5 to spare and (separately, un-netted) needs 5; "s" has 5 and reaches only m; "t" needs 5.
    # m → m costs nothing but strands s; moving the most (10) takes m → t and s → m, 5 × 100 each.
    distances = [("m", "m", 0), ("m", "t", 100), ("s", "m", 100)]
    solution = solve({"m": 5, "s": 5}, {"m": 5, "t": 5}, distances, 1000)
    assert (solution.moved, solution.cost) == (10, 1000)
    assert by_pair(solution) == {("m", "t"): 5, ("s", "m"): 5}


def test_fractional_tiny_and_huge_amounts():
    solution = solve({"a": 7.5}, {"b": 2.25, "c": 10}, [("a", "b", 10), ("a", "c", 20)], 100)
    assert solution.flows == [Flow("a", "c", 5.25, 20.0), Flow("a", "b", 2.25, 10.0)]
    tiny = solve({"a": 3e-6}, {"b": 2e-6}, [("a", "b", 10)], 100)
    assert tiny.moved == pytest.approx(2e-6, rel=1e-9)
    huge = solve({"a": 3e12}, {"b": 2e12, "c": 4e12}, [("a", "b", 10), ("a", "c", 20)], 100)
    assert huge.flows == [Flow("a", "b", 2e12, 10.0), Flow("a", "c", 1e12, 20.0)]


def test_equal_distances_need_no_second_stage():
    solution = solve({"a": 3, "b": 3}, {"x": 4}, [("a", "x", 50), ("b", "x", 50)], 100)
    assert (solution.moved, solution.cost) == (4, 200)


def test_arbitrary_hashable_keys_and_numeric_types():
    from decimal import Decimal
    solution = solve({(1, "a"): Decimal("2.5")}, {frozenset({2}): 4}, [((1, "a"), frozenset({2}), np.float64(3))],
                     np.int64(3))
    assert solution.flows == [Flow((1, "a"), frozenset({2}), 2.5, 3.0)]


@pytest.mark.parametrize("surplus, deficit, distances, max_distance, message", [
    ({"a": math.nan}, {"b": 1}, [], 10, "surplus"),
    ({"a": 1}, {"b": math.inf}, [], 10, "deficit"),
    ({"a": 1}, {"b": 1}, [("a", "b", math.nan)], 10, "distance"),
    ({"a": 1}, {"b": 1}, [("a", "b", -1)], 10, "distance"),
    ({"a": 1}, {"b": 1}, [], math.nan, "max_distance"),
])
def test_bad_input(surplus, deficit, distances, max_distance, message):
    with pytest.raises(ValueError, match=message):
        solve(surplus, deficit, distances, max_distance)


def test_solver_failure_is_reported(monkeypatch):
    monkeypatch.setattr(sharing, "linprog", lambda *a, **k: SimpleNamespace(status=4, message="numerical trouble"))
    with pytest.raises(SolverError, match="numerical trouble"):
        solve({"a": 1}, {"b": 1}, [("a", "b", 1)], 10)


# --- properties against networkx ---------------------------------------------------------------------------------

def reference(surplus, deficit, distances, max_distance) -> tuple[float, float]:
    """networkx's maximum flow value and the cost of its maximum flow of minimum cost, on the same instance."""
    g = nx.DiGraph()
    g.add_node("S")
    g.add_node("T")
    for s, amount in surplus.items():
        if amount > 0:
            g.add_edge("S", ("s", s), capacity=amount)
    for t, amount in deficit.items():
        if amount > 0:
            g.add_edge(("t", t), "T", capacity=amount)
    for s, t, d in distances:
        u, v = ("s", s), ("t", t)
        if d <= max_distance and u in g and v in g:
            if not g.has_edge(u, v) or d < g[u][v]["weight"]:
                g.add_edge(u, v, weight=d)  # no capacity: unbounded
    value = nx.maximum_flow_value(g, "S", "T")
    cost = nx.cost_of_flow(g, nx.max_flow_min_cost(g, "S", "T"))
    return value, cost


@st.composite
def instances(draw):
    """1 to 6 sources and targets (keys 0..5 on both sides, so some keys are in both), amounts 0..20, a random
    subset of the pairs plus a few more (repeats, or naming keys 6 and 7 that are absent) at distances 0..50, and a
    max distance 0..60."""
    ns, nt = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    surplus = dict(enumerate(draw(st.lists(st.integers(0, 20), min_size=ns, max_size=ns))))
    deficit = dict(enumerate(draw(st.lists(st.integers(0, 20), min_size=nt, max_size=nt))))
    pairs = [(s, t) for s in range(ns) for t in range(nt) if draw(st.integers(0, 3))]  # about 3 in 4
    pairs += draw(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=4))
    distances = [(s, t, draw(st.integers(0, 50))) for s, t in draw(st.permutations(pairs))]
    return surplus, deficit, distances, draw(st.integers(0, 60))


@settings(max_examples=200, deadline=None)
@given(instances())
def test_matches_networkx(instance):
    surplus, deficit, distances, max_distance = instance
    solution = solve(surplus, deficit, distances, max_distance)
    check_feasible(solution, surplus, deficit, distances, max_distance)
    moved, cost = reference(surplus, deficit, distances, max_distance)
    assert solution.moved == pytest.approx(moved, abs=1e-9)
    assert solution.cost == pytest.approx(cost, abs=1e-6)
    # Integer data, totally unimodular constraints: the solution is an integral vertex, its links a forest.
    assert all(f.amount == round(f.amount) for f in solution.flows)
    assert is_forest(solution)


@settings(max_examples=100, deadline=None)
@given(instances(), st.integers(1, 1000))
def test_scaling_amounts_scales_the_answer(instance, factor):
    # Amounts in other units (a factor, then a fraction of it) move in proportion, over the same least cost per unit.
    surplus, deficit, distances, max_distance = instance
    base = solve(surplus, deficit, distances, max_distance)
    k = factor / 7
    scaled = solve({s: a * k for s, a in surplus.items()}, {t: a * k for t, a in deficit.items()}, distances,
                   max_distance)
    assert scaled.moved == pytest.approx(base.moved * k, rel=1e-9, abs=1e-9)
    assert scaled.cost == pytest.approx(base.cost * k, rel=1e-9, abs=1e-6)


# --- one large instance --------------------------------------------------------------------------------------------

def least_cost(flows: list[Flow], surplus, deficit, distances, max_distance) -> bool:
    """No negative cycle in the residual graph: no flow moving the same amount costs less.

    The residual graph has every pair in range forward at its distance and back along each flow at minus it; S to
    an unspent source and back from a source that sends; a target with unmet need to T and back from T to one that
    receives (sources and targets as ("s", key) and ("t", key))."""
    residual = nx.DiGraph()
    residual.add_weighted_edges_from((("s", s), ("t", t), d) for s, t, d in distances
                                     if d <= max_distance and s in surplus and t in deficit)
    residual.add_weighted_edges_from((("t", f.target), ("s", f.source), -f.distance) for f in flows)
    sent = defaultdict(float)
    received = defaultdict(float)
    for f in flows:
        sent[f.source] += f.amount
        received[f.target] += f.amount
    residual.add_weighted_edges_from(("S", ("s", s), 0) for s, a in surplus.items() if sent[s] < a)
    residual.add_weighted_edges_from((("s", s), "S", 0) for s in sent)
    residual.add_weighted_edges_from((("t", t), "T", 0) for t, a in deficit.items() if received[t] < a)
    residual.add_weighted_edges_from(("T", ("t", t), 0) for t in received)
    return not nx.negative_edge_cycle(residual)


def test_least_cost_certificate_rejects_greedy():
    # The greedy case above: A–X and B–Y cost 60,000; the certificate finds the cheaper crossing.
    distances = [("A", "X", 1000), ("A", "Y", 2000), ("B", "X", 2000), ("B", "Y", 5000)]
    surplus, deficit = {"A": 10, "B": 10}, {"X": 10, "Y": 10}
    greedy = [Flow("A", "X", 10, 1000), Flow("B", "Y", 10, 5000)]
    assert not least_cost(greedy, surplus, deficit, distances, 6000)
    assert least_cost(solve(surplus, deficit, distances, 6000).flows, surplus, deficit, distances, 6000)
    # Rerouting at the ends counts too: X filled from the far B while the near A sits idle.
    assert not least_cost([Flow("B", "X", 10, 2000)], surplus, {"X": 10}, distances, 6000)


def large_instance(layout: str):
    """1000 surplus and 1000 deficit neighbourhoods with 50,000 candidate pairs, surpluses and deficits 1..49.

    "uniform": random pairs at random distances 100..4999 m, 4000 m allowed; enough links that every unit of the
    smaller side moves. "geometric": places scattered over 30 km square, each source paired with its 50 nearest
    targets, 2000 m allowed (about 13,000 pairs in range); local shortfalls leave some surplus and deficit unmatched.
    """
    rng = np.random.default_rng(20240501)
    n, k = 1000, 50
    surplus = {f"s{i}": int(a) for i, a in enumerate(rng.integers(1, 50, n))}
    deficit = {f"t{i}": int(a) for i, a in enumerate(rng.integers(1, 50, n))}
    if layout == "uniform":
        flat = rng.choice(n * n, size=n * k, replace=False)
        distances = [(f"s{f // n}", f"t{f % n}", int(d)) for f, d in zip(flat, rng.integers(100, 5000, n * k))]
        return surplus, deficit, distances, 4000
    sources, targets = rng.uniform(0, 30_000, (n, 2)), rng.uniform(0, 30_000, (n, 2))
    dist, nearest = cKDTree(targets).query(sources, k=k)
    distances = [(f"s{i}", f"t{nearest[i, c]}", int(round(dist[i, c]))) for i in range(n) for c in range(k)]
    return surplus, deficit, distances, 2000


@pytest.mark.parametrize("layout", ["uniform", "geometric"])
def test_large_instance_is_optimal(layout):
    """Optimality certified without networkx's (slow, seconds) min-cost flow: the amount moved equals scipy's
    maximum flow, and the residual graph of the solution has no negative cycle (`least_cost`), which is exactly the
    condition for least cost among flows of that value."""
    surplus, deficit, distances, max_distance = large_instance(layout)
    n = len(surplus)
    solution = solve(surplus, deficit, distances, max_distance)
    check_feasible(solution, surplus, deficit, distances, max_distance)
    assert all(f.amount == round(f.amount) for f in solution.flows)
    assert len(solution.flows) <= 2 * n - 1 and is_forest(solution)

    # Maximum flow, by scipy's own (integer) algorithm: nodes S = 0, sources 1..n, targets n+1..2n, T = 2n+1.
    used = [(int(s[1:]), int(t[1:])) for s, t, d in distances if d <= max_distance]
    big = sum(surplus.values())
    rows = [0] * n + [1 + s for s, _ in used] + list(range(n + 1, 2 * n + 1))
    cols = list(range(1, n + 1)) + [n + 1 + t for _, t in used] + [2 * n + 1] * n
    caps = list(surplus.values()) + [big] * len(used) + list(deficit.values())
    graph = sparse.csr_array((np.array(caps, dtype=np.int32), (rows, cols)), shape=(2 * n + 2, 2 * n + 2))
    assert solution.moved == maximum_flow(graph, 0, 2 * n + 1).flow_value
    upper = min(sum(surplus.values()), sum(deficit.values()))
    assert solution.moved == upper if layout == "uniform" else solution.moved < 0.99 * upper

    assert least_cost(solution.flows, surplus, deficit, distances, max_distance)
