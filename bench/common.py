"""Helpers shared by the benchmark scripts: timing, peak memory, one measurement per subprocess."""
import json, os, resource, subprocess, sys, time

def current_rss_mb():
    "Resident set size of this process now, in MiB (Linux), else its peak so far."
    try:
        with open('/proc/self/statm') as f: return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20
    except OSError: return peak_rss_mb()

def peak_rss_mb():
    "Peak resident set size of this process so far, in MiB."
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 2**20 if sys.platform == 'darwin' else r / 2**10  # bytes on macOS, KiB on Linux

def median_time(fn, warmup=2, repeats=5, sync=lambda: None):
    "Median wall time of `fn()` in seconds over `repeats` calls, after `warmup` untimed calls."
    for _ in range(warmup): fn()
    times = []
    for _ in range(repeats):
        sync(); t0 = time.perf_counter(); fn(); sync(); times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]

def memory_probe(device):
    "Functions (reset, base_mb, peak_mb) measuring memory on `device`: CUDA allocator, else process RSS."
    import torch
    if device.type == 'cuda':
        return (lambda: torch.cuda.reset_peak_memory_stats(device), lambda: torch.cuda.memory_allocated(device) / 2**20,
                lambda: torch.cuda.max_memory_allocated(device) / 2**20)
    return (lambda: None, current_rss_mb, peak_rss_mb)

def run_worker(script, worker_args, extra=()):
    "Run `script --worker ...` in a fresh Python (so that its peak memory is its own); return its JSON row or None."
    cmd = [sys.executable, os.path.abspath(script), '--worker', *map(str, worker_args), *map(str, extra)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        print(f'{worker_args}: failed\n{p.stderr[-2000:]}', file=sys.stderr); return None
    return json.loads(p.stdout.strip().splitlines()[-1])
