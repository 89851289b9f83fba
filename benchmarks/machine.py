"""Where a benchmark ran: CPU, AVX-512 or not, BLAS kernel and threads, load, matmul peak.

Every script in ``benchmarks/`` prints :func:`describe` first, so that a
result pasted anywhere says which machine produced it. The project's
machines are not alike (``/work/shared/PERFORMANCE.md``: AVX2 machines where
OpenBLAS picks its Haswell kernel, AVX-512 ones where it picks SkylakeX) and
PyTorch gains more from AVX-512 than NumPy does, so a ratio without its
machine means little.

The scripts time with :func:`clock`: the wall clock, or, after
:func:`use_cpu_time` (their ``--cpu-time`` flag), the process's CPU time
with every BLAS, OpenMP and PyTorch pool on one thread. The second measures
one core's work and stays meaningful while other jobs load a shared machine
(where two BLAS threads wait for each other on every product); the first is
what a user sees on a quiet machine, and the one the goals are about.

Usage::

    python benchmarks/machine.py        # the description and both matmul peaks
"""

import os
import platform
import time

import numpy as np

_CPU_TIME = False
_LIMITS = []


def use_cpu_time():
    """From now on: one thread for every pool, timed by the process's CPU time."""
    global _CPU_TIME
    from threadpoolctl import threadpool_limits

    _LIMITS.append(threadpool_limits(limits=1))      # held until the process ends
    _CPU_TIME = True


def parse_args(parser, argv=None):
    """``parser.parse_args`` with the scripts' shared ``--cpu-time`` flag added and applied."""
    parser.add_argument("--cpu-time", action="store_true",
                        help="one thread everywhere, timed by CPU time (for a loaded machine)")
    args = parser.parse_args(argv)
    if args.cpu_time:
        use_cpu_time()
    return args


def clock():
    """Seconds: the wall clock, or the process's CPU time after :func:`use_cpu_time`."""
    return time.process_time() if _CPU_TIME else time.perf_counter()


def peer_threads(default=2):
    """Threads for PyTorch: ``default``, or 1 after :func:`use_cpu_time`."""
    return 1 if _CPU_TIME else default


def cpu():
    """(model name, number of logical CPUs, has AVX-512) from ``/proc/cpuinfo``."""
    model, flags = platform.processor() or "unknown CPU", ""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = line
                    break
    except OSError:
        pass
    return model, os.cpu_count(), " avx512f" in flags


def blas():
    """NumPy's BLAS as ``"openblas 0.3.31, Haswell kernel, 2 threads"`` (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl is not installed)"
    np.ones((2, 2)) @ np.ones((2, 2))          # make sure NumPy's BLAS is loaded
    pools = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    # NumPy's own copy (scipy may load another one, listed first).
    numpy_pools = [pool for pool in pools if "numpy" in pool["filepath"]] or pools
    if not numpy_pools:
        return "unknown"
    pool = numpy_pools[0]
    kernel = pool.get("architecture") or "?"
    return (f"{pool['internal_api']} {pool['version']}, {kernel} kernel, "
            f"{pool['num_threads']} threads")


def torch_description():
    """PyTorch's version, CPU capability (its SIMD level) and threads, if it is imported."""
    import sys

    torch = sys.modules.get("torch")
    if torch is None:
        return None
    capability = torch.backends.cpu.get_cpu_capability()
    return f"PyTorch {torch.__version__} ({capability}, {torch.get_num_threads()} threads)"


def load():
    """The 1-minute load average (how busy the shared machine was)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def matmul_peak(dtype=np.float32, n=2048, repeats=3, clock=time.perf_counter):
    """GFLOP/s of an ``n x n`` matrix product in ``dtype`` (best of ``repeats``, by ``clock``)."""
    rng = np.random.default_rng(0)
    A = rng.random((n, n)).astype(dtype)
    B = rng.random((n, n)).astype(dtype)
    A @ B
    best = float("inf")
    for _ in range(repeats):
        start = clock()
        A @ B
        best = min(best, clock() - start)
    return 2 * n ** 3 / best / 1e9


def describe(peaks=False):
    """A few lines saying where and when the numbers were measured.

    Parameters
    ----------
    peaks : bool, default=False
        Also measure and print the float32 and float64 matmul peaks (about a
        second).

    Returns
    -------
    text : str
    """
    model, cores, avx512 = cpu()
    lines = [f"machine: {model}, {cores} logical CPUs, AVX-512: {'yes' if avx512 else 'no'}",
             f"BLAS (NumPy): {blas()}; NumPy {np.__version__}, Python {platform.python_version()}"]
    torch = torch_description()
    if torch:
        lines.append(torch)
    lines.append(f"load average (1 min) at start: {load():.2f}; "
                 f"{time.strftime('%Y-%m-%d %H:%M')}")
    lines.append("timing: " + ("CPU time of the process, one thread for BLAS, OpenMP and "
                               "PyTorch (--cpu-time)" if _CPU_TIME else
                               "wall clock, default threads"))
    if peaks:
        lines.append(f"matmul peak 2048^2: float32 {matmul_peak(np.float32):.0f} GFLOP/s, "
                     f"float64 {matmul_peak(np.float64):.0f} GFLOP/s")
    return "\n".join(lines)


if __name__ == "__main__":
    print(describe(peaks=True))
