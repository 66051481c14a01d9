"""The node inspector's sentences, as escaped rich text (no widgets).

A `walk` is the pane's StepThrough while the learner steps through the passes: then a node
is explained as of the current move (a value not computed yet, the gradient terms passed
back so far); None means both passes are done.
"""

import html
import math
import re

from microgpt.expr.explore import MAX_PATHS, chain_paths
from microgpt.expr.language import ExprError, ExprGraph, evaluate
from microgpt_gui import theme

from .text import (
    KIND_WORDS,
    fmt,
    formula,
    leaf_words,
    local_rule,
    name_of,
    op_symbol,
    path_line,
    update_line,
)

CHAIN_ROWS = 8  # uses shown one by one; selecting a node used 499 times took 3.5 s with a row each


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def muted(text_html: str) -> str:
    return f"<span style='color:{theme.MUTED.name()}'>{text_html}</span>"


def names(g: ExprGraph, i: int) -> tuple[str, str]:
    """Node i's and the output's names, escaped."""
    return esc(name_of(g, i)), esc(name_of(g, len(g.nodes) - 1))


def title_html(g: ExprGraph, i: int) -> str:
    step = g.steps[i]
    kind = leaf_words(g, i) if step.op == "" else KIND_WORDS[g.kind(i)]
    line = re.split(r"\r\n|\r|\n", g.source)[step.line - 1].strip()  # with its comment
    made = f", made by {op_symbol(g, i)}" if step.op else ""
    where = muted(f"(line {step.line}: <code>{esc(line)}</code>)")
    return f"<b style='font-size:12pt'>{esc(name_of(g, i))}</b> is {esc(kind)}{esc(made)} {where}"


def numbers_html(g: ExprGraph, i: int, walk=None) -> str:
    x, out = names(g, i)
    node = g.nodes[i]
    if walk is not None:
        return _walk_numbers_html(g, i, walk)
    grad = f"grad d{out}/d{x} = <b>{fmt(node.grad)}</b>"
    head = f"value <b>{fmt(node.data)}</b> &nbsp; · &nbsp; {grad}"
    if i == len(g.nodes) - 1:
        return f"{head}<br>{out} is the output, so its gradient is 1 by definition."
    direction = "goes up" if node.grad > 0 else "goes down" if node.grad < 0 else "stays put"
    return (
        f"{head}<br>{out} changes by {fmt(node.grad)} for each unit {x} moves "
        f"(for small moves): when {x} goes up, {out} {direction}."
    )


def _walk_numbers_html(g: ExprGraph, i: int, walk) -> str:
    x, out = names(g, i)
    value, grad = walk.values[i], walk.grads[i]
    if value is None:
        return (
            f"value <b>not computed yet</b>: the forward pass has not reached {x}.<br>"
            f"grad: not known until the backward pass passes it back from {out}."
        )
    head = f"value <b>{fmt(value)}</b> &nbsp; · &nbsp; "
    if grad is None:
        return head + "grad <b>not known yet</b>: the backward pass starts after the forward pass."
    if i == len(g.nodes) - 1:
        return head + f"grad <b>{fmt(grad)}</b>: the backward pass starts here, d{out}/d{out} = 1."
    uses, got = len(g.consumers(i)), len(walk.received[i])
    if got < uses:
        return head + (
            f"grad so far <b>{fmt(grad)}</b>: {got} of the {uses} uses of {x} have passed "
            f"their share back; the rest are still to come."
        )
    return head + f"grad <b>{fmt(grad)}</b>: every use of {x} has passed its share back."


def update_html(g: ExprGraph, i: int, lr: float, last=None) -> str:
    """For a weight: the descent step with its numbers, the last one and the next one."""
    step = g.steps[i]
    if step.op != "":
        return ""
    x = esc(name_of(g, i))
    if not step.weight:
        return muted(
            f"{x} is data: gradient descent never moves it, whatever its gradient. "
            f"Only weights, marked param(...), learn."
        )
    node = g.nodes[i]
    rows = []
    if last is not None:
        done = esc(update_line(g, i, last.before, last.lr, last.grad))
        rows.append(f"The last Descend moved it: {done}")
    upcoming = esc(update_line(g, i, node.data, lr, node.grad))
    rows.append(f"Descend now: w ← w − lr × grad, {upcoming}")
    return "<br>".join(rows)


def paths_html(g: ExprGraph, i: int) -> str:
    """The chain rule written out in one line per path from the output down to node i."""
    if i == len(g.nodes) - 1:
        return ""
    x, out = names(g, i)
    paths = chain_paths(g, i)
    grad = fmt(g.nodes[i].grad)
    if paths.count == 1:
        (path,) = paths.shown
        if len(path.factors) == 1:  # the output is made from node i in one step
            made = esc(formula(g, path.nodes[0]))
            return (
                f"<b>The whole chain</b> is one link: {out} = {made} uses {x} directly, so "
                f"d{out}/d{x} is that step's local gradient, <b>{grad}</b>."
            )
        line = esc(path_line(g, path.nodes, path.factors, path.product))
        return f"<b>The whole chain:</b> d{out}/d{x} = {line}"
    rows = "".join(f"<li>{line}</li>" for line in _path_lines(g, paths.shown))
    more = paths.count - len(paths.shown)
    if more:
        rows += f"<li>+ {more} more paths, together {fmt(paths.rest)}</li>"
    shares = [fmt(p.product) for p in paths.shown] + ([fmt(paths.rest)] if more else [])
    return (
        f"<b>The whole chain:</b> {paths.count} paths lead from {out} down to {x}; each "
        f"multiplies the local gradients along it:<ol style='margin:0'>{rows}</ol>"
        f"d{out}/d{x} = the sum of the paths = {' + '.join(shares)} = <b>{grad}</b>"
        + ("" if paths.count <= MAX_PATHS else muted(" (all paths counted)"))
    )


def _path_lines(g: ExprGraph, shown) -> list[str]:
    """A line per path; paths through the same boxes (x * x: one per use) are numbered."""
    lines, seen = [], {}
    for p in shown:
        line = esc(path_line(g, p.nodes, p.factors, p.product))
        same = sum(q.nodes == p.nodes for q in shown)
        seen[p.nodes] = seen.get(p.nodes, 0) + 1
        if len(p.factors) == 1:
            line = f"directly: {line}"
        lines.append(line + (f" (use {seen[p.nodes]} of {same})" if same > 1 else ""))
    return lines


def chain_html(g: ExprGraph, i: int, walk=None) -> str:
    """Why node i's gradient is what it is: one local × upstream term per use."""
    if i == len(g.nodes) - 1:
        return ""
    terms = g.chain_terms(i)
    x = esc(name_of(g, i))
    if walk is not None and walk.grads[i] is None:
        return muted(f"The chain-rule terms of {x} arrive during the backward pass.")
    got = set(walk.received[i]) if walk is not None else None
    users = "once" if len(terms) == 1 else f"{len(terms)} times"
    rows, passed = [], []
    for t in terms[:CHAIN_ROWS]:
        c = esc(name_of(g, t.consumer))
        if got is not None and (t.consumer, t.slot) not in got:
            rows.append(f"<tr><td colspan=4>{muted(f'via {c}: not passed back yet')}</td></tr>")
            continue
        passed.append(t)
        rule = esc(local_rule(g, t.consumer, t.slot))
        rows.append(
            f"<tr><td>via <b>{c}</b>:</td><td align=right>{fmt(t.local)}</td>"
            f"<td>× {fmt(t.upstream)}</td><td>= <b>{fmt(t.contribution)}</b></td></tr>"
            f"<tr><td></td><td colspan=3>{muted(f'local {rule}; upstream = grad of {c}')}"
            f"</td></tr>"
        )
    if len(terms) > CHAIN_ROWS:  # a value used hundreds of times: not a row each
        rest = terms[CHAIN_ROWS:]
        if got is not None:
            rest = [t for t in rest if (t.consumer, t.slot) in got]
        passed += rest
        rows.append(
            f"<tr><td colspan=4>… and {len(terms) - CHAIN_ROWS} more uses, together "
            f"<b>{fmt(sum(t.contribution for t in rest))}</b> so far</td></tr>"
        )
    head = (
        f"<b>Why?</b> The chain rule: {x} is used {users}; each use passes back "
        f"local gradient × upstream gradient:<table cellspacing=2>{''.join(rows)}</table>"
    )
    if got is not None and len(passed) < len(terms):
        so_far = f"{len(passed)} of {len(terms)} terms: <b>{fmt(walk.grads[i])}</b>"
        return head + f"So far {x}'s grad holds {so_far}."
    total = " + ".join(fmt(t.contribution) for t in terms)
    total = total if len(terms) <= CHAIN_ROWS else f"the {len(terms)} contributions"
    return head + f"Sum: {total} = <b>{fmt(g.nodes[i].grad)}</b>, the gradient of {x}."


def step_h(text: str, x: float, name: str) -> tuple[float, str]:
    """The step h typed for the check, and '' or why it cannot be used (plain text)."""
    typed = text.strip()
    shown = typed if len(typed) <= 24 else typed[:23] + "…"
    ask = "type a small positive number, such as 1e-4."
    try:
        h = float(typed)
    except ValueError:
        return math.nan, f"h must be a number: {ask}"
    if math.isnan(h):
        return h, f"h is not a number (nan): {ask}"
    if math.isinf(h):
        return h, f"h cannot be infinite: {ask}"
    if h == 0 and re.search(r"[1-9]", typed.lower().partition("e")[0]):
        return h, f"{shown} is too small for a float (below about 5e-324 it is 0): {ask}"
    if h <= 0:
        return h, f"h must be positive (the check moves {name} by +h and −h): {ask}"
    if not (math.isfinite(x + h) and math.isfinite(x - h) and math.isfinite(2 * h)):
        return h, f"h = {h:g} is too large: {name} ± h is beyond the largest float (~1.8e308)."
    if x + h == x and x - h == x:
        return h, (
            f"h = {h:g} is too small to move {name} = {fmt(x)} at all ({name} + h rounds back "
            f"to {name}): type a larger h."
        )
    return h, ""


def check_html(g: ExprGraph, i: int, h_text: str) -> str:
    x, out = names(g, i)
    h, why = step_h(h_text, g.nodes[i].data, name_of(g, i))
    if why:
        return f"<b>Check by experiment</b>: {esc(why)}"
    try:
        fd = g.finite_difference(i, h)
    except ExprError as exc:
        return f"<b>Check by experiment</b> failed: {esc(str(exc))}"
    grad = g.nodes[i].grad
    return (
        f"<b>Check by experiment:</b> move {x} by ±h and watch {out}: "
        f"({out}({x}+h) − {out}({x}−h)) / 2h = <b>{fmt(fd)}</b>; autograd says "
        f"<b>{fmt(grad)}</b> (difference {abs(fd - grad):.1e})."
    )


def nudge_html(g: ExprGraph, i: int, nudged: bool) -> str:
    """What the last nudge of node i did (nudged: it was moved by hand, not by descent)."""
    x, out = names(g, i)
    if not nudged or i not in g.overrides:
        return f"Drag the slider to nudge {x} and watch {out} move."
    base = {k: v for k, v in g.overrides.items() if k != i}
    try:
        before = evaluate(g.source, base)
    except ExprError as exc:
        return esc(str(exc))
    x0, x1 = before.nodes[i].data, g.nodes[i].data
    l0, l1 = before.output.data, g.output.data
    slope = f"Δ{out}/Δ{x} = <b>{fmt((l1 - l0) / (x1 - x0))}</b>" if x1 != x0 else ""
    return (
        f"{x}: {fmt(x0)} → {fmt(x1)}; {out}: {fmt(l0)} → <b>{fmt(l1)}</b>. {slope} "
        f"(the gradient at the new point is {fmt(g.nodes[i].grad)})"
    )
