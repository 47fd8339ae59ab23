"""Forward+backward throughput and peak memory of the DiT and U-ViT presets.

    python bench/bench_backbones.py                        # all presets at B = 8 and 64, on the default device
    python bench/bench_backbones.py --quick                # fewer repeats
    python bench/bench_backbones.py --models dit_small uvit_small --batch-sizes 16 --device cpu

Every preset (`DIT_SIZES` / `UVIT_SIZES`, e.g. dit_tiny) is built at MNIST's shape, 1 x 28 x 28 with S = 256.
One step is a forward pass on random states, the cross-entropy against them, and the backward pass (no optimiser);
the time reported is the median step.
Each (model, B, dtype) runs in a fresh subprocess so that its peak memory is its own: on CUDA the peak of
`torch.cuda.max_memory_allocated`, on the CPU the peak resident set size (`ru_maxrss`). `delta` is that peak
minus the memory held after the model was built, i.e. what the activations and gradients of one step cost.
On CUDA each model also runs under bf16 autocast.
"""
import argparse, json
from contextlib import nullcontext
from common import current_rss_mb, peak_rss_mb, median_time, run_worker as _run

MODELS = ['dit_small', 'uvit_small', 'dit_mnist', 'uvit_mnist']

def presets():
    "Model name ('dit_small', 'uvit_mnist', ...) -> (network class, size), from `DIT_SIZES` and `UVIT_SIZES`."
    from dvit_nbdev.dit import DiT, DIT_SIZES
    from dvit_nbdev.uvit import UViT, UVIT_SIZES
    return ({f'dit_{k}': (DiT, v) for k, v in DIT_SIZES.items()} | {f'uvit_{k}': (UViT, v) for k, v in UVIT_SIZES.items()})

def build(name):
    "A preset by name, at MNIST's shape (1 x 28 x 28, S = 256) whatever its size."
    table = presets()
    if name not in table: raise SystemExit(f"unknown model {name!r}; expected one of {', '.join(table)}")
    net, size = table[name]
    return net(img_size=28, in_channels=1, num_states=256, **size)

def measure(name, B, dtype, device, warmup, repeats, threads):
    "Time `repeats` forward+backward steps of preset `name` at batch `B`; return one result row."
    import torch, torch.nn.functional as F
    from dvit_nbdev.core import get_device, seed_everything
    from dvit_nbdev.layers import num_params
    if threads: torch.set_num_threads(threads)
    device = get_device(device); seed_everything(0)
    model = build(name).to(device).train()
    io = model.io
    x = torch.randint(0, io.S, (B, io.C, io.H, io.W), device=device)
    t = torch.rand(B, device=device)
    cuda = device.type == 'cuda'
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    if cuda: torch.cuda.reset_peak_memory_stats(device)
    base = torch.cuda.memory_allocated(device) / 2**20 if cuda else current_rss_mb()
    ctx = (lambda: torch.autocast(device.type, dtype=torch.bfloat16)) if dtype == 'bf16' else nullcontext

    def step():
        with ctx(): logits = model(x, t)
        F.cross_entropy(logits.reshape(-1, io.S), x.reshape(-1)).backward()
        model.zero_grad(set_to_none=True)

    dt = median_time(step, warmup, repeats, sync)  # the median step: robust to a busy machine
    peak = torch.cuda.max_memory_allocated(device) / 2**20 if cuda else peak_rss_mb()
    return dict(model=name, params_M=num_params(model) / 1e6, B=B, dtype=dtype, device=str(device),
                threads=torch.get_num_threads(), ms=dt * 1e3, img_s=B / dt, peak_MB=peak, delta_MB=peak - base)

def run_worker(args, name, B, dtype):
    "Run one measurement in a fresh Python process; return its row (or None when it failed)."
    return _run(__file__, [name, B, dtype], ['--warmup', args.warmup, '--repeats', args.repeats, '--threads', args.threads]
                + (['--device', args.device] if args.device else []))

HEADER = f"{'model':11s} {'params':>8s} {'B':>4s} {'dtype':>5s} {'device':>6s} {'thr':>3s} {'ms/step':>9s} {'img/s':>8s} {'peak MB':>9s} {'delta MB':>9s}"

def fmt(r):
    return (f"{r['model']:11s} {r['params_M']:7.2f}M {r['B']:4d} {r['dtype']:>5s} {r['device']:>6s} {r['threads']:3d} "
            f"{r['ms']:9.1f} {r['img_s']:8.1f} {r['peak_MB']:9.0f} {r['delta_MB']:9.0f}")

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--models', nargs='+', default=MODELS, help='presets to run')
    ap.add_argument('--batch-sizes', nargs='+', type=int, default=[8, 64], help='batch sizes')
    ap.add_argument('--device', default=None, help="'cpu', 'cuda', ... (default: `get_device()`)")
    ap.add_argument('--dtypes', nargs='+', default=None, choices=['fp32', 'bf16'],
                    help='fp32 and/or bf16 autocast (default: fp32 on CPU, both on CUDA)')
    ap.add_argument('--warmup', type=int, default=2, help='untimed steps first')
    ap.add_argument('--repeats', type=int, default=5, help='timed steps')
    ap.add_argument('--quick', action='store_true', help='1 warm-up step and 3 timed steps')
    ap.add_argument('--threads', type=int, default=0, help='torch CPU threads (0: torch default)')
    ap.add_argument('--json', default=None, help='also write the rows to this JSON file')
    ap.add_argument('--worker', nargs=3, metavar=('MODEL', 'B', 'DTYPE'), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        name, B, dtype = args.worker
        print(json.dumps(measure(name, int(B), dtype, args.device, args.warmup, args.repeats, args.threads))); return
    if args.quick: args.warmup, args.repeats = 1, 3
    unknown = [m for m in args.models if m not in presets()]
    if unknown: ap.error(f"unknown model(s) {', '.join(unknown)}; expected some of {', '.join(presets())}")
    if args.dtypes is None:
        from dvit_nbdev.core import get_device
        args.dtypes = ['fp32', 'bf16'] if get_device(args.device).type == 'cuda' else ['fp32']
    print(HEADER, flush=True)
    rows = []
    for name in args.models:
        for B in args.batch_sizes:
            for dtype in args.dtypes:
                r = run_worker(args, name, B, dtype)
                if r: rows.append(r); print(fmt(r), flush=True)
    if args.json:
        with open(args.json, 'w') as f: json.dump(rows, f, indent=1)

if __name__ == '__main__': main()
