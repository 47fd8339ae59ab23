"""Turn a dvit_train run into a shipped pretrained model: evaluate it, write its model card, export its EMA weights.

    python bench/make_pretrained.py /work/runs/mnist4 mnist4 --description "..." \\
        --command "dvit_train mnist_cpu --out runs/mnist4 --training.max_seconds none --training.n_iters 5000"

The run's folder must hold checkpoint.pt and the log of its dvit_train command (train.log, or --log): the training
seconds are read from its last line ("trained ... to step N in Xs"). A run started from another model's weights
(`dvit_train --init`) names that model's card with --init_card: the new card lists both stages (command, steps,
seconds, hardware, and the hash of the weights the second started from) and sums their steps and seconds; a run
continued in its own folder (`dvit_train --resume`) names its earlier card with --resumed_card (the log's seconds are
then the second stage's). --sampler sets the card's sampler (`sampler_overrides`, e.g. `name=pc_tau_leaping
num_corrector_steps=1`). The EMA
weights are exported first (in --dtype), then measured as a user loads them (`evaluate_pretrained`, notebook 17):
FID (the package's metric, with its floor) on --n samples of the checkpoint's own sampler (seed --seed), bits/dim on
the first --bpd_images MNIST test images; both, the commands and the hardware go into the card. Writes
dvit_nbdev/pretrained/<name>.<hash>.pt and <name>.json (`export_pretrained`: the card, written last, names the
weights), or into --folder: to evaluate candidates side by side before one of them replaces the shipped pair.
"""
import argparse, json, os, platform, re, time
import yaml
from pathlib import Path
import torch
from dvit_nbdev.pretrained import export_pretrained, evaluate_pretrained, model_card
from dvit_nbdev.core import atomic_write_text

def cpu_name() -> str:
    "The processor's model name (Linux), else what platform says."
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__)
    ap.add_argument('run', help='the output folder of the dvit_train run')
    ap.add_argument('name', help='the pretrained model name, e.g. mnist4')
    ap.add_argument('--description', required=True, help='one line: what the model is')
    ap.add_argument('--command', required=True, help='the dvit_train command that trained it')
    ap.add_argument('--log', default=None, help="the run's log (default: RUN/train.log)")
    ap.add_argument('--threads', type=int, default=1, help='torch threads the evaluation uses')
    ap.add_argument('--train_threads', type=int, default=None,
                    help='torch threads the training used (default: --threads)')
    ap.add_argument('--n', type=int, default=1000, help='samples for the FID (default: 1000)')
    ap.add_argument('--bpd_images', type=int, default=256, help='test images for bits/dim (default: 256)')
    ap.add_argument('--seed', type=int, default=0, help='seed of the samples and the bound (default: 0)')
    ap.add_argument('--dtype', default='float32', help="storage of the weights: 'float32' (default) or 'float16'")
    ap.add_argument('--note', default='', help='anything else the card should say')
    ap.add_argument('--sampler_steps', type=int, default=None,
                    help="sampler.num_steps of the card's sampler (default: the checkpoint's config)")
    ap.add_argument('--sampler', nargs='+', default=[], metavar='KEY=VALUE',
                    help="other settings of the card's sampler, e.g. name=pc_tau_leaping num_corrector_steps=1")
    ap.add_argument('--resumed_card', default=None,
                    help="the model card of the same run before it was resumed (dvit_train --resume): the card then "
                         "lists both stages; its steps are the run's last step and its seconds the sum")
    ap.add_argument('--init_card', default=None,
                    help="the model card of the network the run started from (dvit_train --init): the card then lists "
                         "both stages, and its steps and seconds are the sums")
    ap.add_argument('--folder', default=None,
                    help="write and evaluate the pair in this folder instead of the package's (a candidate)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    run = Path(a.run)
    log = Path(a.log or run/'train.log').read_text()
    m = re.search(r'trained \S+ on \S+ to step (\d+) in (\d+)s', log)
    if m is None: raise SystemExit(f"no 'trained ... to step N in Xs' line in the log of {run}")
    card = dict(description=a.description, command=a.command, train_steps=int(m[1]), train_seconds=int(m[2]),
                hardware=f"{os.cpu_count()} CPU cores ({cpu_name()}), {a.train_threads or a.threads} torch "
                         f"thread(s), no GPU",
                torch=torch.__version__, note=a.note,
                sampler_overrides=({} if a.sampler_steps is None else {'sampler.num_steps': a.sampler_steps}) |
                                  {f'sampler.{k}': yaml.safe_load(v) for k, v in (o.split('=', 1) for o in a.sampler)})
    if a.init_card and a.resumed_card: raise SystemExit('give --init_card or --resumed_card, not both')
    if a.init_card:  # a warm start: the earlier stage's record, as its card says, then this one
        old = json.loads(Path(a.init_card).read_text())
        stages = old.get('stages') or [dict(command=old['command'], steps=old['train_steps'],
                                            seconds=old['train_seconds'], hardware=old['hardware'])]
        stages = stages + [dict(command=a.command, steps=card['train_steps'], seconds=card['train_seconds'],
                                hardware=card['hardware'], init_sha256=old['sha256'])]
        card.update(stages=stages, train_steps=sum(st['steps'] for st in stages),
                    train_seconds=sum(st['seconds'] for st in stages))
    if a.resumed_card:  # the same run continued: this log's seconds are the second stage's, its step the run's last
        old = json.loads(Path(a.resumed_card).read_text())
        stages = old.get('stages') or [dict(command=old['command'], steps=old['train_steps'],
                                            seconds=old['train_seconds'], hardware=old['hardware'])]
        stages = stages + [dict(command=a.command, steps=card['train_steps'] - old['train_steps'],
                                seconds=card['train_seconds'], hardware=card['hardware'],
                                resumed_at_step=old['train_steps'])]
        card.update(stages=stages, train_seconds=sum(st['seconds'] for st in stages))
    pt = export_pretrained(run/'checkpoint.pt', a.name, card, folder=a.folder, dtype=a.dtype)
    t0 = time.perf_counter()
    res = evaluate_pretrained(a.name, n=a.n, seed=a.seed, bpd_images=a.bpd_images, folder=a.folder)
    sampler_args = ('' if a.sampler_steps is None else f' --sampler_steps {a.sampler_steps}') + \
                   (f" --sampler {' '.join(a.sampler)}" if a.sampler else '')
    card = model_card(a.name, a.folder) | dict(fid=res['fid'], fid_floor=res['fid_floor'], fid_floor_sd=res['fid_floor_sd'],
                fid_samples=a.n, fid_seed=a.seed, sample_seconds=round(res['sample_seconds']), bpd=res.get('bpd'),
                bpd_se=res.get('bpd_se'), bpd_images=res.get('bpd_images'), sampler=res['sampler'],
                eval_command=f"python bench/make_pretrained.py {a.run} {a.name} --n {a.n} --bpd_images {a.bpd_images} "
                             f"--seed {a.seed} --dtype {a.dtype}{sampler_args}",
                eval_seconds=round(time.perf_counter() - t0))
    atomic_write_text(json.dumps(card, indent=1) + '\n', pt.parent/f'{a.name}.json')  # the weights' name has the hash
    print(json.dumps(card, indent=1))

if __name__ == '__main__': main()
