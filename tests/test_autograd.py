"""The tiny autograd of notebook 11 (`demystify.apps.autograd`) and its exercises' checkers.

Every operation's backward closure is checked against central differences in float64; a whole
network's gradients against `dm.Sequential.backward` (and PyTorch's, where it is installed);
and each checker of notebook 11 is shown right and wrong answers, the wrong ones named.
"""

import numpy as np
import pytest

import demystify as dm
from demystify.apps import autograd as ag
from demystify.exercises import ExerciseFailed, NotImplementedYet
from demystify.exercises import checks_11 as check


def numeric_gradient(build, leaves, eps=1e-6):
    """Central differences of the number build(*leaves) with respect to each leaf's value."""
    grads = []
    for leaf in leaves:
        grad = np.zeros_like(leaf.value)
        for index in np.ndindex(leaf.shape):
            saved = leaf.value[index]
            leaf.value[index] = saved + eps
            up = build(*leaves).value
            leaf.value[index] = saved - eps
            down = build(*leaves).value
            leaf.value[index] = saved
            grad[index] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads


def away_from_zero(rng, shape):
    """Random entries at least 0.1 from 0, so ReLU's kink is never nudged across."""
    value = rng.normal(size=shape)
    return np.where(np.abs(value) < 0.1, 0.5, value)


LABELS = np.array([0, 2, 1, 2])
OPERATIONS = {  # name -> (shapes of the leaves, a scalar built from them)
    "matmul": (((4, 3), (3, 2)), lambda a, b: ag.sum(a @ b)),
    "add, bias (2,) over rows": (((4, 2), (2,)), lambda a, b: ag.sum(ag.relu(a + b))),
    "add, (1, 2) and (4, 1)": (((1, 2), (4, 1)), lambda a, b: ag.mean(ag.relu(a + b))),
    "add, a tensor added to itself": (((3, 2),), lambda a: ag.sum(ag.relu(a + a))),
    "relu": (((4, 3),), lambda a: ag.sum(ag.relu(a) @ ag.Tensor(np.arange(3.0)[:, None]))),
    "log_softmax": (
        ((4, 3),),
        lambda a: ag.sum(ag.log_softmax(a) @ ag.Tensor([[1.0], [-2.0], [0.5]])),
    ),
    "nll": (((4, 3),), lambda a: ag.sum(ag.nll(a, LABELS))),
    "mean": (((4, 3),), lambda a: ag.mean(ag.relu(a))),
    "cross_entropy": (((4, 3),), lambda a: ag.cross_entropy(a, LABELS)),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_each_operation_matches_central_differences(name, rng):
    shapes, build = OPERATIONS[name]
    leaves = [ag.Tensor(away_from_zero(rng, shape)) for shape in shapes]
    build(*leaves).backward()
    for leaf, numeric in zip(leaves, numeric_gradient(build, leaves)):
        assert leaf.grad.shape == leaf.shape
        np.testing.assert_allclose(leaf.grad, numeric, rtol=1e-6, atol=1e-8)


def library_network(seed=0):
    return dm.Sequential(
        [dm.Dense(5, 8), dm.ReLU(), dm.Dense(8, 6), dm.ReLU(), dm.Dense(6, 3)],
        seed=seed,
        dtype="float64",
    )


def autograd_loss(weights, x, labels):
    W1, b1, W2, b2, W3, b3 = weights
    hidden = (ag.Tensor(x) @ W1 + b1).relu()
    hidden = (hidden @ W2 + b2).relu()
    return ag.cross_entropy(hidden @ W3 + b3, labels)


def test_a_network_gets_exactly_the_gradients_of_sequential_backward(rng):
    x, labels = rng.normal(size=(7, 5)), rng.integers(0, 3, size=7)
    network, loss = library_network(), dm.SoftmaxCrossEntropy()
    expected_loss = loss.forward(network.forward(x), labels)
    network.zero_grad()
    network.backward(loss.backward())
    weights = [ag.Tensor(array) for array in network.get_weights()]
    total = autograd_loss(weights, x, labels)
    total.backward()
    assert total.value == pytest.approx(expected_loss, rel=1e-13)
    for (name, parameter), tensor in zip(network.named_parameters(), weights):
        np.testing.assert_allclose(
            tensor.grad, parameter.grad, rtol=1e-12, atol=1e-15, err_msg=name
        )


def test_the_gradients_match_pytorch_when_it_is_installed(rng):
    torch = pytest.importorskip("torch")
    x, labels = rng.normal(size=(7, 5)), rng.integers(0, 3, size=7)
    arrays = library_network(seed=3).get_weights()
    weights = [ag.Tensor(array) for array in arrays]
    autograd_loss(weights, x, labels).backward()
    tw = [torch.tensor(array, requires_grad=True) for array in arrays]
    hidden = torch.relu(torch.tensor(x) @ tw[0] + tw[1])
    hidden = torch.relu(hidden @ tw[2] + tw[3])
    torch.nn.functional.cross_entropy(hidden @ tw[4] + tw[5], torch.tensor(labels)).backward()
    for ours, theirs in zip(weights, tw):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_leaves_accumulate_over_two_backwards_until_zero_grad(rng):
    a, b = ag.Tensor(rng.normal(size=(3, 2))), ag.Tensor(rng.normal(size=(2, 2)))
    loss = ag.sum(a @ b)
    loss.backward()
    first = a.grad.copy()
    np.testing.assert_allclose(first, np.ones((3, 2)) @ b.value.T)
    loss.backward()  # intermediate gradients start afresh, leaves add up, as in PyTorch
    np.testing.assert_allclose(a.grad, 2 * first)
    a.zero_grad()
    loss.backward()
    np.testing.assert_allclose(a.grad, first)


def test_backward_wants_a_single_number():
    with pytest.raises(ValueError, match=r"single number.*shape=\(2, 2\), op='relu'"):
        ag.relu(ag.Tensor(np.ones((2, 2)))).backward()


def test_the_topological_order_lists_each_tensor_once_after_its_parents(rng):
    x, W = ag.Tensor(rng.normal(size=(3, 2))), ag.Tensor(rng.normal(size=(2, 2)))
    h = ag.relu(x @ W)
    root = ag.sum(h @ W + h)
    order = ag.topological_order(root)
    assert [node.op for node in order] == [
        "leaf", "leaf", "matmul", "relu", "matmul", "add", "sum"
    ]  # fmt: skip
    assert order[0] is x and order[1] is W and order[-1] is root


def test_graph_memory_counts_every_array_the_graph_keeps_once(rng):
    x, W = ag.Tensor(rng.normal(size=(30, 20))), ag.Tensor(rng.normal(size=(20, 10)))
    root = ag.cross_entropy(x @ W, np.zeros(30, dtype=int))
    memory = ag.graph_memory(root)
    assert memory["tensors"] == 6 and memory["operations"] == 4
    product, log_probs = (30 * 10) * 8, (30 * 10) * 8
    rows_and_labels = 2 * 30 * 8  # nll keeps the row indices and the labels (int64)
    per_row, one = 30 * 8, 8  # the losses of the rows, then their mean
    leaves = x.value.nbytes + W.value.nbytes
    assert memory["leaf bytes"] == leaves
    assert memory["bytes"] == leaves + product + log_probs + rows_and_labels + per_row + one


# --- the checkers of notebook 11 -----------------------------------------------------------------


def make_tanh(derivative, wrap=lambda grad: (grad,), parents=None):
    """A tanh operation whose backward closure returns wrap(derivative(G, x, y))."""

    def tanh(x):
        y = np.tanh(x.value)

        def backward(grad):
            return wrap(derivative(grad, x.value, y))

        return ag.Tensor(y, (x,) if parents is None else parents, backward, "tanh")

    return tanh


def right_order(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order


def order_without_visited_set(root):
    order = []

    def visit(node):
        for parent in node.parents:
            visit(parent)
        order.append(node)

    visit(root)
    return order


def order_first_parent_only(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            if node.parents:
                visit(node.parents[0])
            order.append(node)

    visit(root)
    return order


def order_appended_before_parents(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            order.append(node)
            for parent in node.parents:
                visit(parent)

    visit(root)
    return order


def test_correct_answers_pass(capsys):
    check.tanh(make_tanh(lambda g, x, y: g * (1 - y**2)))
    check.tanh(make_tanh(lambda g, x, y: g / np.cosh(x) ** 2))
    check.topological_order(right_order)
    out = capsys.readouterr().out
    assert "✅ tanh passed 13 checks." in out and "✅ topological_order passed 6 checks." in out


TANH_MISTAKES = {
    "the input instead of the output": (
        lambda g, x, y: g * (1 - x**2),
        "you used the input x where tanh′ needs the output",
    ),
    "no chain rule": (lambda g, x, y: 1 - y**2, "multiply it by the gradient G"),
    "y not squared": (lambda g, x, y: g * (1 - y), "with y squared"),
    "sign flipped": (lambda g, x, y: g * (y**2 - 1), "the sign is flipped"),
    "gradient passed through": (lambda g, x, y: g, "you returned G unchanged"),
}


@pytest.mark.parametrize("name", TANH_MISTAKES)
def test_a_tanh_mistake_is_named(name):
    derivative, hint = TANH_MISTAKES[name]
    with pytest.raises(ExerciseFailed, match=r"dL/dx, what the backward closure returns is wrong"):
        check.tanh(make_tanh(derivative))
    with pytest.raises(ExerciseFailed, match=rf"hint: .*{hint}"):
        check.tanh(make_tanh(derivative))


def test_tanh_shape_mistakes_are_named():
    with pytest.raises(ExerciseFailed, match=r"returned a ndarray; it should return a tuple"):
        check.tanh(make_tanh(lambda g, x, y: g * (1 - y**2), wrap=lambda grad: grad))
    with pytest.raises(ExerciseFailed, match=r"parents should be \(x,\)"):
        check.tanh(make_tanh(lambda g, x, y: g * (1 - y**2), parents=()))
    with pytest.raises(ExerciseFailed, match=r"should return a Tensor.* it returned ndarray"):
        check.tanh(lambda x: np.tanh(x.value))


def test_tanh_that_changes_its_input_is_caught():
    def in_place(x):
        np.tanh(x.value, out=x.value)
        return ag.Tensor(x.value, (x,), lambda g: (g * (1 - x.value**2),), "tanh")

    with pytest.raises(ExerciseFailed, match=r"tanh changed x.value"):
        check.tanh(in_place)


ORDER_MISTAKES = {
    "no visited set": (order_without_visited_set, "appears more than once", "remember the tensors"),
    "first parent only": (order_first_parent_only, "missing: leaf", "visit every parent"),
    "appended before its parents": (
        order_appended_before_parents,
        "'mean' comes before 'relu'",
        "append a tensor only after visiting all of its parents",
    ),
    "root first": (lambda root: right_order(root)[::-1], "comes before", "runs from root"),
    "root left out": (lambda root: right_order(root)[:-1], "missing: mean", "include root"),
    "no return": (lambda root: None, "it returned NoneType", "forget the `return order`"),
}


@pytest.mark.parametrize("name", ORDER_MISTAKES)
def test_a_topological_order_mistake_is_named(name):
    function, said, hint = ORDER_MISTAKES[name]
    with pytest.raises(ExerciseFailed) as failure:
        check.topological_order(function)
    assert said in str(failure.value) and hint in str(failure.value), str(failure.value)


def test_the_stubs_say_your_turn():
    def stub_tanh(x):
        def backward(grad):
            raise NotImplementedError("not implemented yet — your turn")

        return ag.Tensor(np.tanh(x.value), (x,), backward, "tanh")

    with pytest.raises(NotImplementedYet, match=r"write the body of `tanh`"):
        check.tanh(stub_tanh)

    def stub_order(root):
        raise NotImplementedError("not implemented yet — your turn")

    with pytest.raises(NotImplementedYet, match=r"write the body of `topological_order`"):
        check.topological_order(stub_order)
