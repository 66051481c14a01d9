"""A deterministic left-to-right layered (Sugiyama-style) layout, in plain Python (no Qt).

1. Columns: every vertex sits one column left of its nearest consumer, sinks rightmost
   (longest path to a sink), which is how graphviz places micrograd's draw_dot leaves.
2. Long edges get a dummy vertex in every column they cross, so they route between boxes,
   while the dummies stay within a budget linear in the graph's size. Above it (one value
   used all along a long chain: x = x + a, 498 times, needs ~250,000 dummies), a source's
   long edges share a lane above the graph instead: a bus with a drop to each consumer.
3. Order within columns: depth-first from the sinks, then barycenter sweeps; the ordering
   with the fewest crossings wins.
4. Heights: each vertex moves toward the mean of its neighbours, subject to no overlap,
   solved exactly per column (isotonic regression by pool-adjacent-violators).

grandalf's Sugiyama took ~140 ms alone for a 290-node graph here, and networkx only offers
step 1; this takes a few milliseconds (scripts/bench_graph.py).
"""

from bisect import bisect_right, insort
from dataclasses import dataclass, field

GAP_X = 8.0  # between columns
GAP_Y = 8.0  # between boxes in a column
GAP_DUMMY = 6.0  # beside an edge passing through a column
GAP_LANE = 12.0  # between lanes above the graph
SWEEPS = 4
DUMMIES_PER_VERTEX = 4  # the dummy budget: the layout's work stays linear in the graph


@dataclass
class Layout:
    centers: list[tuple[float, float]]  # one per input vertex
    routes: list[list[tuple[float, float]]]  # one per input edge: points from u's right to v's left
    width: float
    height: float
    laned: list[bool] = field(default_factory=list)  # per edge: runs along its source's lane


def layered_layout(
    sizes: list[tuple[float, float]],
    edges: list[tuple[int, int]],
    from_sources: bool = False,
    gap_x: float = GAP_X,
) -> Layout:
    """sizes[v] = (w, h); edges (u, v) with u < v (vertices come in a topological order).
    from_sources: columns count from the sources (a tree grown rightwards from its root)
    instead of from the sinks. gap_x: room between columns (e.g. for edge labels)."""
    n = len(sizes)
    if n == 0:
        return Layout([], [], 0.0, 0.0)
    rank = _source_ranks(n, edges) if from_sources else _ranks(n, edges)
    laned = _laned_sources(n, edges, rank)
    sizes = list(sizes)
    succ: list[list[int]] = [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    chains = []
    for u, v in edges:
        if u in laned and rank[v] - rank[u] > 1:
            chains.append(None)  # routed along u's lane, after the layout
            continue
        chain = [u]
        for r in range(rank[u] + 1, rank[v]):  # a dummy per column crossed
            rank.append(r)
            sizes.append((0.0, 0.0))
            succ.append([])
            pred.append([])
            chain.append(len(rank) - 1)
        chain.append(v)
        for a, b in zip(chain, chain[1:]):
            succ[a].append(b)
            pred[b].append(a)
        chains.append(chain)
    layers = _order(rank, succ, pred, n)
    ys = _heights(layers, sizes, succ, pred, n)
    lefts, widths = _columns(layers, sizes, gap_x)
    xs = [lefts[rank[v]] + widths[rank[v]] / 2 for v in range(len(rank))]
    top = min(ys[v] - sizes[v][1] / 2 for v in range(n))
    bottom = max(ys[v] + sizes[v][1] / 2 for v in range(n))
    lane_y = _lanes(laned, edges, rank, min([top, *ys[n:]]))  # above dummies too
    top = min([top, *lane_y.values()])
    ys = [y - top for y in ys]
    centers = [(xs[v], ys[v]) for v in range(n)]
    routes = []
    for (u, v), chain in zip(edges, chains):
        if chain is None:
            lane = (
                (lefts[rank[u] + 1], lane_y[u] - top),
                (lefts[rank[v] - 1] + widths[rank[v] - 1], lane_y[u] - top),
            )
            routes.append(
                [(xs[u] + sizes[u][0] / 2, ys[u]), *lane, (xs[v] - sizes[v][0] / 2, ys[v])]
            )
        else:
            routes.append(_route(chain, xs, ys, sizes, lefts, widths, rank, n))
    laned = [chain is None for chain in chains]
    return Layout(centers, routes, lefts[-1] + widths[-1], bottom - top, laned)


def _laned_sources(n: int, edges: list[tuple[int, int]], rank: list[int]) -> set[int]:
    """Sources whose long edges take a lane: the costliest, once dummies exceed the budget."""
    cost: dict[int, int] = {}  # u -> dummies its long edges would need
    for u, v in edges:
        if rank[v] - rank[u] > 1:
            cost[u] = cost.get(u, 0) + rank[v] - rank[u] - 1
    budget, laned = DUMMIES_PER_VERTEX * n, set()
    for u in sorted(cost, key=lambda u: (cost[u], u)):
        if cost[u] <= budget:
            budget -= cost[u]
        else:
            laned.add(u)
    return laned


def _lanes(laned: set[int], edges, rank, top: float) -> dict[int, float]:
    """One horizontal lane per laned source above the graph; lanes that do not overlap
    share a track (greedy interval colouring, left to right)."""
    reach = {u: rank[u] for u in laned}
    for u, v in edges:
        if u in reach:
            reach[u] = max(reach[u], rank[v])
    track_end: list[int] = []  # the last column of each track
    lane_y = {}
    for u in sorted(laned, key=lambda u: (rank[u], u)):
        t = next((t for t, end in enumerate(track_end) if end < rank[u]), len(track_end))
        if t == len(track_end):
            track_end.append(0)
        track_end[t] = reach[u]
        lane_y[u] = top - GAP_LANE * (t + 1)
    return lane_y


def columns(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """The column of each vertex in layered_layout (from the sinks)."""
    return _ranks(n, edges) if n else []


def _ranks(n: int, edges: list[tuple[int, int]]) -> list[int]:
    # rank(v) = D - (longest path from v to a sink)
    out: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        out[u].append(v)
    dist = [0] * n
    for v in reversed(range(n)):
        dist[v] = max((dist[s] + 1 for s in out[v]), default=0)
    depth = max(dist)
    return [depth - d for d in dist]


def _source_ranks(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """rank(v) = the longest path from a source to v."""
    into: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        into[v].append(u)
    rank = [0] * n
    for v in range(n):
        rank[v] = max((rank[u] + 1 for u in into[v]), default=0)
    return rank


def _order(rank, succ, pred, n) -> list[list[int]]:
    """Columns of vertex ids, top to bottom, with few crossings."""
    seen, order = set(), {}
    sinks = [v for v in range(n) if not succ[v]]
    stack = list(reversed(sinks))
    while stack:  # depth-first from the sinks, first child on top
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        order[v] = len(order)
        stack.extend(reversed(pred[v]))
    layers: list[list[int]] = [[] for _ in range(max(rank) + 1)]
    for v in sorted(range(len(rank)), key=lambda v: order.get(v, len(rank) + v)):
        layers[rank[v]].append(v)
    best, best_cross = [list(c) for c in layers], _crossings(layers, succ)
    for _ in range(SWEEPS if best_cross else 0):  # only a strictly better order replaces it
        for r in reversed(range(len(layers) - 1)):
            _sort_by_barycenter(layers[r], layers[r + 1], succ)
        for r in range(1, len(layers)):
            _sort_by_barycenter(layers[r], layers[r - 1], pred)
        cross = _crossings(layers, succ)
        if cross < best_cross:
            best, best_cross = [list(c) for c in layers], cross
        if best_cross == 0:
            break
    return best


def _sort_by_barycenter(layer: list[int], fixed: list[int], nbrs) -> None:
    pos = {v: i for i, v in enumerate(fixed)}

    def key(iv):
        i, v = iv
        ps = [pos[w] for w in nbrs[v] if w in pos]
        return (sum(ps) / len(ps) if ps else i * len(fixed) / max(len(layer), 1), i)

    layer[:] = [v for _, v in sorted(enumerate(layer), key=key)]


def _crossings(layers, succ) -> int:
    """Edge crossings between neighbouring columns, by counting inversions."""
    total = 0
    for left, right in zip(layers, layers[1:]):
        pos = {v: i for i, v in enumerate(right)}
        ends = [e for v in left for e in sorted(pos[w] for w in succ[v])]
        seen: list[int] = []
        for k, e in enumerate(ends):  # pairs earlier in `left` that end below e
            total += k - bisect_right(seen, e)
            insort(seen, e)
    return total


def _heights(layers, sizes, succ, pred, n) -> list[float]:
    """Vertical centres: near the mean of neighbours, never overlapping within a column."""
    ys = [0.0] * len(sizes)
    for layer in layers:
        _place(layer, [0.0] * len(layer), sizes, ys, n)
    for _ in range(SWEEPS):
        before = list(ys)
        for r in reversed(range(len(layers) - 1)):
            _pull(layers[r], succ, sizes, ys, n)
        for layer in layers[1:]:
            _pull(layer, pred, sizes, ys, n)
        if ys == before:  # a fixed point: more sweeps would change nothing
            break
    return ys


def _pull(layer, nbrs, sizes, ys, n) -> None:
    wanted = [sum(ys[w] for w in nbrs[v]) / len(nbrs[v]) if nbrs[v] else ys[v] for v in layer]
    _place(layer, wanted, sizes, ys, n)


def _place(layer, wanted, sizes, ys, n) -> None:
    # minimise sum (y_i - wanted_i)^2 subject to y_{i+1} - y_i >= sep_i:
    # with y_i = q_i + offset_i this is isotonic regression of (wanted - offset)
    offsets, acc = [], 0.0
    for i, v in enumerate(layer):
        if i:
            acc += _separation(layer[i - 1], v, sizes, n)
        offsets.append(acc)
    blocks: list[list[float]] = []  # [mean, count]
    for w, off in zip(wanted, offsets):
        blocks.append([w - off, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, c2 = blocks.pop()
            m1, c1 = blocks[-1]
            blocks[-1] = [(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2]
    i = 0
    for mean, count in blocks:
        for _ in range(count):
            ys[layer[i]] = mean + offsets[i]
            i += 1


def _separation(a: int, b: int, sizes, n: int) -> float:
    gap = GAP_Y if a < n and b < n else GAP_DUMMY
    return (sizes[a][1] + sizes[b][1]) / 2 + gap


def _columns(layers, sizes, gap_x: float = GAP_X) -> tuple[list[float], list[float]]:
    widths = [max((sizes[v][0] for v in layer), default=0.0) for layer in layers]
    lefts, x = [], 0.0
    for w in widths:
        lefts.append(x)
        x += w + gap_x
    return lefts, widths


def _route(chain, xs, ys, sizes, lefts, widths, rank, n) -> list[tuple[float, float]]:
    """u's right side, across each dummy's column, v's left side."""
    u, v = chain[0], chain[-1]
    points = [(xs[u] + sizes[u][0] / 2, ys[u])]
    for d in chain[1:-1]:
        r = rank[d]
        points += [(lefts[r], ys[d]), (lefts[r] + widths[r], ys[d])]
    points.append((xs[v] - sizes[v][0] / 2, ys[v]))
    return points
