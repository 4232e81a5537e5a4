import numpy as np
import pytest
from ipfn import ipfn

from citisens_core.ipf import ipf


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (4, 3, 5, 2, 3)])
def test_matches_the_ipfn_reference_implementation(shape):
    rng = np.random.default_rng(len(shape))
    seed = rng.random(shape) + 0.05
    targets = [rng.dirichlet(np.ones(k)) for k in shape]

    ours = ipf(seed[np.newaxis], [t[np.newaxis] for t in targets], tol=1e-12, max_iter=500)[0]

    dims = [[i] for i in range(len(shape))]
    reference = ipfn.ipfn(seed.copy(), [t.copy() for t in targets], dims,
                          convergence_rate=1e-12, max_iteration=500).iteration()
    np.testing.assert_allclose(ours, reference / reference.sum(), atol=1e-8)


def test_many_areas_at_once_each_meet_their_own_marginals():
    rng = np.random.default_rng(1)
    seed = rng.random((1, 4, 3)) + 0.1
    rows = rng.dirichlet(np.ones(4), size=50)
    cols = rng.dirichlet(np.ones(3), size=50)

    table = ipf(seed, [rows, cols])

    np.testing.assert_allclose(table.sum(axis=2), rows, atol=1e-7)
    np.testing.assert_allclose(table.sum(axis=1), cols, atol=1e-7)


def test_wrong_number_of_targets_is_refused():
    with pytest.raises(ValueError, match="2 dimensions but 1 targets"):
        ipf(np.ones((1, 2, 2)), [np.array([[0.5, 0.5]])])
