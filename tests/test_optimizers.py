import numpy as np
import pytest

from skdl.optimizers import SGD, SWATS, Adagrad, Adam, RMSProp, make_optimizer

THETA = np.array([1.0, -2.0, 0.5])
GRAD = np.array([0.1, -0.4, 2.0])


def _step(optimizer, grads):
    theta = THETA.copy()
    for g in grads:
        optimizer.step([theta], [np.array(g)])
    return theta


def test_plain_sgd_step():
    theta = _step(SGD(learning_rate=0.1, momentum=0.0), [GRAD])
    np.testing.assert_allclose(theta, THETA - 0.1 * GRAD, rtol=1e-15)


def test_momentum_two_steps():
    g2 = np.array([0.3, 0.3, -1.0])
    theta = _step(SGD(learning_rate=0.1, momentum=0.9, nesterov=False), [GRAD, g2])
    v1 = -0.1 * GRAD
    v2 = 0.9 * v1 - 0.1 * g2
    np.testing.assert_allclose(theta, THETA + v1 + v2, rtol=1e-15)


def test_nesterov_momentum_two_steps():
    g2 = np.array([0.3, 0.3, -1.0])
    theta = _step(SGD(learning_rate=0.1, momentum=0.9, nesterov=True), [GRAD, g2])
    v1 = -0.1 * GRAD
    v2 = 0.9 * v1 - 0.1 * g2
    expected = THETA + (0.9 * v1 - 0.1 * GRAD) + (0.9 * v2 - 0.1 * g2)
    np.testing.assert_allclose(theta, expected, rtol=1e-15)


def test_adagrad_two_steps():
    g2 = np.array([0.3, 0.3, -1.0])
    theta = _step(Adagrad(learning_rate=0.5, epsilon=1e-8), [GRAD, g2])
    s1 = GRAD**2
    s2 = s1 + g2**2
    expected = THETA - 0.5 * GRAD / (np.sqrt(s1) + 1e-8) - 0.5 * g2 / (np.sqrt(s2) + 1e-8)
    np.testing.assert_allclose(theta, expected, rtol=1e-14)


def test_rmsprop_one_step():
    theta = _step(RMSProp(learning_rate=0.01, rho=0.9, epsilon=1e-8), [GRAD])
    s = 0.1 * GRAD**2
    np.testing.assert_allclose(theta, THETA - 0.01 * GRAD / (np.sqrt(s) + 1e-8), rtol=1e-14)


def test_adam_two_steps_match_the_formula():
    g2 = np.array([0.3, 0.3, -1.0])
    theta = _step(Adam(learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8), [GRAD, g2])
    expected = THETA.copy()
    m = v = 0
    for t, g in enumerate([GRAD, g2], start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g**2
        lr = 0.01 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        expected = expected - lr * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(theta, expected, rtol=1e-14)


def test_adam_first_step_moves_each_parameter_by_the_learning_rate():
    theta = _step(Adam(learning_rate=0.01), [GRAD])
    np.testing.assert_allclose(THETA - theta, 0.01 * np.sign(GRAD), rtol=1e-5)


def test_swats_first_step_is_adam_and_tracks_the_projected_rate():
    swats = SWATS(learning_rate=0.01)
    theta = _step(swats, [GRAD])
    np.testing.assert_allclose(theta, _step(Adam(learning_rate=0.01), [GRAD]), rtol=1e-15)
    p = theta - THETA
    gamma = p @ p / (-p @ GRAD)
    # Bias-corrected average of one value is that value.
    assert swats.projected_rate == pytest.approx(gamma, rel=1e-12)
    assert not swats.switched


def test_swats_switches_to_sgd_with_momentum_once_the_rate_settles():
    # A constant gradient makes the projected SGD rate settle: Adam's steps
    # become lr * sign(g), so gamma = lr * |g|_0 / |g|_1 (here lr * 3 / 6).
    swats = SWATS(learning_rate=0.01, switch_tol=1e-2)
    theta = np.zeros(3)
    g = np.array([1.0, 2.0, 3.0])
    epochs = 0
    while not swats.switched and epochs < 50:
        for _ in range(10):
            swats.step([theta], [g.copy()])
        swats.iteration_ends(0)
        epochs += 1
    assert swats.switched and epochs >= 2
    assert swats.sgd_learning_rate == pytest.approx(0.01 * 3 / 6, rel=1e-2)
    rate = swats.sgd_learning_rate
    before = theta.copy()
    swats.step([theta], [g.copy()])
    # First SGD step: v = g, theta -= (1 - beta_1) * rate * v.
    np.testing.assert_allclose(theta, before - 0.1 * rate * g, rtol=1e-12)


def test_the_optimizer_steps_by_the_rate_it_is_given():
    # The schedule lives elsewhere (skdl.schedules): the loop sets the rate.
    sgd = SGD(learning_rate=0.1, momentum=0.0)
    theta = THETA.copy()
    sgd.step([theta], [GRAD.copy()])
    sgd.learning_rate = 0.025
    sgd.step([theta], [GRAD.copy()])
    np.testing.assert_allclose(theta, THETA - 0.125 * GRAD, rtol=1e-15)


def test_swats_sgd_phase_follows_the_schedule_after_the_switch():
    swats = SWATS(learning_rate=0.01)
    theta = np.zeros(3)
    g = np.array([1.0, 2.0, 3.0])
    while not swats.switched:
        for _ in range(10):
            swats.step([theta], [g.copy()])
        swats.iteration_ends(0)
    swats.learning_rate = 0.005         # the schedule halves the rate after the switch
    before = theta.copy()
    swats.step([theta], [g.copy()])
    np.testing.assert_allclose(theta, before - 0.1 * swats.sgd_learning_rate * 0.5 * g,
                               rtol=1e-12)


@pytest.mark.parametrize("solver,cls", [("sgd", SGD), ("adam", Adam), ("adagrad", Adagrad),
                                        ("rmsprop", RMSProp), ("swats", SWATS)])
def test_make_optimizer(solver, cls):
    params = dict(learning_rate_init=0.05, learning_rate="constant", power_t=0.5,
                  momentum=0.8, nesterovs_momentum=False, beta_1=0.8, beta_2=0.99,
                  epsilon=1e-7, rho=0.95)
    optimizer = make_optimizer(solver, params)
    assert type(optimizer) is cls
    assert optimizer.learning_rate == 0.05


def test_float32_parameters_stay_float32():
    theta = np.ones(4, dtype=np.float32)
    for optimizer in [SGD(), Adam(), Adagrad(), RMSProp(), SWATS()]:
        optimizer.step([theta], [np.full(4, 0.5, dtype=np.float32)])
        assert theta.dtype == np.float32
