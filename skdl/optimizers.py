r"""Gradient-descent optimizers.

Each optimizer updates parameters in place::

    optimizer.step(params, grads)       # lists of arrays, same order each call

and keeps its state (velocities, moment estimates) between calls, so
``warm_start`` and ``partial_fit`` continue where they stopped. The networks
of skdl hand over one flat parameter vector (see
:class:`skdl.network.Sequential`), so a step is a handful of NumPy calls
whatever the depth of the network.

The update rules, with gradient :math:`g_t` and learning rate :math:`\eta`:

- SGD with momentum :math:`\mu`: :math:`v_t = \mu v_{t-1} - \eta g_t`,
  :math:`\theta_t = \theta_{t-1} + v_t`; Nesterov's variant steps by
  :math:`\mu v_t - \eta g_t` instead.
- Adagrad: :math:`G_t = G_{t-1} + g_t^2`,
  :math:`\theta_t = \theta_{t-1} - \eta\, g_t / (\sqrt{G_t} + \epsilon)`.
- RMSProp: :math:`s_t = \rho s_{t-1} + (1-\rho) g_t^2`,
  :math:`\theta_t = \theta_{t-1} - \eta\, g_t / (\sqrt{s_t} + \epsilon)`.
- Adam: :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t`,
  :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2`,
  :math:`\theta_t = \theta_{t-1} - \eta \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}
  \frac{m_t}{\sqrt{v_t} + \epsilon}` (scikit-learn's form of the bias correction).
- SWATS: Adam until the SGD step size it implies settles, then SGD with momentum.
"""

import numpy as np


class Optimizer:
    """Base class: the step counter, the state per parameter array, the current rate.

    The optimizer sees only a rate: the training loop sets
    :attr:`learning_rate` at the start of every epoch from the estimator's
    schedule (:mod:`skdl.schedules`).

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size :math:`\\eta` until the training loop sets another.

    Attributes
    ----------
    learning_rate : float
        The step size of the next :meth:`step`.
    t : int
        Number of steps taken.
    """

    def __init__(self, learning_rate=0.001):
        self.learning_rate = float(learning_rate)
        self.t = 0
        self._state = None
        self._work = {}

    def __getstate__(self):
        # Work buffers are scratch, not state: a pickle holds the moments only.
        state = self.__dict__.copy()
        state["_work"] = {}
        return state

    def step(self, params, grads):
        """Update every array of ``params`` in place from ``grads``.

        Increments the step counter ``t``; the optimizer's state is created
        at the first call.

        Parameters
        ----------
        params : list of ndarray
            The parameters, updated in place. Pass the same arrays, in the same
            order, at every call: the state is kept per position.
        grads : list of ndarray
            The gradient of the loss with respect to each parameter, same
            order and shapes as ``params``.
        """
        if self._state is None:
            self._state = [self._init_state(p) for p in params]
        self.t += 1
        for param, grad, state in zip(params, grads, self._state):
            self._update(param, grad, state)

    def _init_state(self, param):
        return {}

    def _update(self, param, grad, state):
        raise NotImplementedError

    def iteration_ends(self, time_step):
        """Epoch end (a hook for optimizers that change phase, such as :class:`SWATS`).

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        """


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum.

    Parameters
    ----------
    learning_rate : float, default=0.1
        Step size :math:`\\eta` (see :class:`Optimizer`).
    momentum : float in [0, 1], default=0.9
        Momentum :math:`\\mu`, the decay of the velocity. 0 gives plain SGD.
    nesterov : bool, default=True
        Whether to use Nesterov's momentum rather than the classical one.
    """

    def __init__(self, learning_rate=0.1, momentum=0.9, nesterov=True):
        super().__init__(learning_rate)
        self.momentum = momentum
        self.nesterov = nesterov

    def _init_state(self, param):
        return {"velocity": np.zeros_like(param)}

    def _update(self, param, grad, state):
        lr = param.dtype.type(self.learning_rate)
        if self.momentum == 0:
            param -= lr * grad
            return
        mu = param.dtype.type(self.momentum)
        velocity = state["velocity"]
        velocity *= mu
        velocity -= lr * grad
        if self.nesterov:
            param += mu * velocity - lr * grad
        else:
            param += velocity


class Adagrad(Optimizer):
    """Adagrad: per-parameter steps shrink with the sum of squared gradients.

    Parameters
    ----------
    learning_rate : float, default=0.01
        Step size :math:`\\eta` (see :class:`Optimizer`).
    epsilon : float, default=1e-8
        Added to the denominator.
    """

    def __init__(self, learning_rate=0.01, epsilon=1e-8):
        super().__init__(learning_rate)
        self.epsilon = epsilon

    def _init_state(self, param):
        return {"sum_sq": np.zeros_like(param)}

    def _update(self, param, grad, state):
        sum_sq = state["sum_sq"]
        sum_sq += grad * grad
        denom = np.sqrt(sum_sq)
        denom += self.epsilon
        param -= param.dtype.type(self.learning_rate) * grad / denom


class RMSProp(Optimizer):
    """RMSProp: like Adagrad with an exponential moving average of squared gradients.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size :math:`\\eta` (see :class:`Optimizer`).
    rho : float in [0, 1), default=0.9
        Decay of the moving average.
    epsilon : float, default=1e-8
        Added to the denominator.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-8):
        super().__init__(learning_rate)
        self.rho = rho
        self.epsilon = epsilon

    def _init_state(self, param):
        return {"mean_sq": np.zeros_like(param)}

    def _update(self, param, grad, state):
        mean_sq = state["mean_sq"]
        mean_sq *= param.dtype.type(self.rho)
        mean_sq += param.dtype.type(1.0 - self.rho) * (grad * grad)
        denom = np.sqrt(mean_sq)
        denom += self.epsilon
        param -= param.dtype.type(self.learning_rate) * grad / denom


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), with scikit-learn's bias correction.

    scikit-learn's Adam ignores its ``"invscaling"`` and ``"adaptive"``
    schedules; so does skdl's (see :func:`skdl.schedules.make_schedule`).

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size :math:`\\eta`.
    beta_1, beta_2 : float in [0, 1), default=0.9 and 0.999
        Decay of the first and second moment estimates.
    epsilon : float, default=1e-8
        Added to the denominator.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        super().__init__(learning_rate)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _init_state(self, param):
        return {"m": np.zeros_like(param), "v": np.zeros_like(param)}

    def _adam_step(self, grad, state):
        """Update the moments in ``state``; return the Adam step (to add).

        The step lives in a reused work buffer (no allocation in the
        per-batch update; not pickled): add it to the parameters before the
        next call.
        """
        kind = grad.dtype.type
        m, v = state["m"], state["v"]
        step = self._work.get(id(m))
        if step is None:
            step = self._work[id(m)] = np.empty_like(grad)
        np.multiply(grad, kind(1.0 - self.beta_1), out=step)
        m *= kind(self.beta_1)
        m += step
        np.multiply(grad, grad, out=step)
        step *= kind(1.0 - self.beta_2)
        v *= kind(self.beta_2)
        v += step
        lr = (self.learning_rate * np.sqrt(1.0 - self.beta_2 ** self.t)
              / (1.0 - self.beta_1 ** self.t))
        np.sqrt(v, out=step)
        step += kind(self.epsilon)
        np.divide(m, step, out=step)
        step *= kind(-lr)
        return step

    def _update(self, param, grad, state):
        param += self._adam_step(grad, state)


class SWATS(Adam):
    r"""Adam that switches to SGD with momentum (Keskar & Socher, 2017).

    While in the Adam phase, each step :math:`p_t` (the Adam update) is
    projected on the gradient to find the SGD step size that would move as
    far along :math:`g_t`, and that estimate is averaged:

    .. math::

        \gamma_t = \frac{p_t^\top p_t}{-p_t^\top g_t}, \qquad
        \lambda_t = \beta_2 \lambda_{t-1} + (1-\beta_2) \gamma_t, \qquad
        \Lambda_t = \frac{\lambda_t}{1 - \beta_2^t}.

    The paper switches when :math:`|\Lambda_t - \gamma_t|` falls below a
    tolerance at a single step. With mini-batches :math:`\gamma_t` is noisy
    and that test fires at random; skdl instead tests, at each epoch end,
    that the average has settled: :math:`|\Lambda_e - \Lambda_{e-1}| <
    \mathrm{tol} \cdot \Lambda_e` between consecutive epochs. From then on it
    runs SGD with momentum :math:`\beta_1` and step :math:`\Lambda`:
    :math:`v_t = \beta_1 v_{t-1} + g_t`,
    :math:`\theta_t = \theta_{t-1} - (1 - \beta_1) \Lambda v_t`.

    The paper tests each layer separately; skdl projects the whole flat
    parameter vector at once, so every parameter switches together. A
    learning-rate schedule keeps acting after the switch: the SGD step is
    :math:`\Lambda` times the ratio of the current rate to the rate at the
    switch (1 with a constant rate).

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size of the Adam phase (see :class:`Adam`).
    beta_1, beta_2 : float in [0, 1), default=0.9 and 0.999
        Decay of the moment estimates (see :class:`Adam`); ``beta_1`` is also
        the momentum of the SGD phase, ``beta_2`` the decay of the average of
        the projected step size.
    epsilon : float, default=1e-8
        Added to the denominator of the Adam step.
    switch_tol : float, default=1e-2
        Relative change of :math:`\Lambda` over one epoch below which the
        step size counts as settled.

    Attributes
    ----------
    switched : bool
        Whether the SGD phase has begun.
    switch_step : int or None
        The step ``t`` at which it began.
    sgd_learning_rate : float or None
        The step size :math:`\Lambda` used in the SGD phase.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, switch_tol=1e-2):
        super().__init__(learning_rate, beta_1, beta_2, epsilon)
        self.switch_tol = switch_tol
        self.switched = False
        self.switch_step = None
        self.sgd_learning_rate = None
        self._rate_at_switch = None
        self.projected_rate = None
        self._rate_at_epoch_start = None

    def _init_state(self, param):
        state = super()._init_state(param)
        state["velocity"] = np.zeros_like(param)
        state["lambda"] = 0.0
        return state

    def _update(self, param, grad, state):
        if self.switched:
            velocity = state["velocity"]
            velocity *= param.dtype.type(self.beta_1)
            velocity += grad
            scale = self.learning_rate / self._rate_at_switch     # the schedule's decay since
            step = (1.0 - self.beta_1) * self.sgd_learning_rate * scale
            param -= param.dtype.type(step) * velocity
            return
        step = self._adam_step(grad, state)
        param += step
        projection = -float(np.vdot(step, grad))
        if projection <= 0:
            return
        gamma = float(np.vdot(step, step)) / projection
        state["lambda"] = self.beta_2 * state["lambda"] + (1.0 - self.beta_2) * gamma
        self.projected_rate = state["lambda"] / (1.0 - self.beta_2 ** self.t)

    def iteration_ends(self, time_step):
        """Epoch end: switch to SGD once the projected rate has settled.

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far (unused).
        """
        rate, previous = self.projected_rate, self._rate_at_epoch_start
        self._rate_at_epoch_start = rate
        if self.switched or rate is None or previous is None:
            return
        if abs(rate - previous) < self.switch_tol * rate:
            self.switched = True
            self.switch_step = self.t
            self.sgd_learning_rate = rate
            self._rate_at_switch = self.learning_rate


def make_optimizer(solver, params):
    """Build the optimizer named by ``solver`` from an estimator's parameters.

    Parameters
    ----------
    solver : {"sgd", "adam", "adagrad", "rmsprop", "swats"}
        Name of the optimizer.
    params : dict
        The estimator's ``get_params()``: ``learning_rate_init``,
        ``momentum``, ``nesterovs_momentum``, ``beta_1``, ``beta_2``,
        ``epsilon`` and ``rho``, as the solver needs. (The schedule,
        :mod:`skdl.schedules`, sets the rate of each epoch.)

    Returns
    -------
    optimizer : Optimizer
        A new optimizer, with no state yet.

    Raises
    ------
    ValueError
        If ``solver`` is not one of the names above.
    """
    lr = params["learning_rate_init"]
    if solver == "sgd":
        return SGD(lr, momentum=params["momentum"], nesterov=params["nesterovs_momentum"])
    if solver == "adagrad":
        return Adagrad(lr, epsilon=params["epsilon"])
    if solver == "rmsprop":
        return RMSProp(lr, rho=params["rho"], epsilon=params["epsilon"])
    moments = {"beta_1": params["beta_1"], "beta_2": params["beta_2"],
               "epsilon": params["epsilon"]}
    if solver == "adam":
        return Adam(lr, **moments)
    if solver == "swats":
        return SWATS(lr, **moments)
    raise ValueError(f"Unknown solver {solver!r}.")
