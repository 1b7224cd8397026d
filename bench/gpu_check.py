"""The Python half of bench/gpu_check.sh: §5 LSTM and nanoGPT-char Transformer, float32 and
mixed precision, tokens/s and model FLOP utilisation against the GPU's peak.

    python bench/gpu_check.py --shakespeare input.txt --ptb ptb.train.txt.gz [--steps 600]
"""
import argparse
import json
import shutil
import time

from llm_tf.runtime import quiet_tensorflow_import

quiet_tensorflow_import()
import tensorflow as tf  # noqa: E402

from llm_tf.models import listing_lm_flops_per_token  # noqa: E402
from llm_tf.training import RunDir, TrainConfig, train  # noqa: E402
from llm_tf.training.recipes import load_recipe, merge  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--shakespeare", default="data/corpus.en.txt")
ap.add_argument("--ptb", default="data/corpus.en.txt")
ap.add_argument("--out", default="/tmp")
ap.add_argument("--steps", type=int, default=600, help="optimizer steps per job")
args = ap.parse_args()
shakes, ptb, out = args.shakespeare, args.ptb, args.out
gpus = tf.config.list_physical_devices("GPU")
name = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU") if gpus else "CPU"
# the GPU's dense peak (TFLOP/s), by name; bf16/fp16 tensor cores vs tf32
PEAKS = {"H200": (989.0, 494.0), "H100": (989.0, 494.0), "A100": (312.0, 156.0),
         "L4": (121.0, 60.0), "T4": (65.0, 8.1)}
peak = next((v for k, v in PEAKS.items() if k in name), (None, None))
print(f"device: {name}; peak dense TFLOP/s (16-bit, tf32): {peak}")

def transformer_flops(cfg, vocab):  # 6 N per token + attention, as nanoGPT estimates
    m = cfg.model
    n = 12 * m.layers * m.embedding_dim ** 2 + vocab * m.embedding_dim
    return 6 * n + 12 * m.layers * m.embedding_dim * cfg.data.seq_len

jobs = {
    "s5_lstm": merge({}, {"data": {"corpus": ptb, "tokenizer": "space", "seq_len": 64,
                                   "batch_size": 256},
                          "optim": {"epochs": 1, "max_steps": args.steps, "lr_schedule": "constant"}}),
    "nanogpt_char": merge(load_recipe("nanogpt-char"),
                          {"data": {"corpus": shakes, "batch_size": 256},
                           "optim": {"max_steps": args.steps}}),
}
results = []
for job, base in jobs.items():
    for mixed in (False, True):
        base["runtime"] = {"mixed_precision": mixed, "jit_compile": True}
        cfg = TrainConfig.from_dict(base)
        folder = f"{out}/gpu-{job}-{'mixed' if mixed else 'fp32'}"
        shutil.rmtree(folder, ignore_errors=True)
        t0 = time.time()
        train(cfg, folder, verbose=0)
        state = RunDir(folder).state()
        tps = state["steady_tokens"] / max(state["steady_seconds"], 1e-9)
        vocab = RunDir(folder).info().vocab_size
        fpt = (listing_lm_flops_per_token(vocab, cfg.model.embedding_dim, cfg.model.units)
               if job == "s5_lstm" else transformer_flops(cfg, vocab))
        tflops = tps * fpt / 1e12
        p = peak[0 if mixed else 1]
        row = {"job": job, "precision": "mixed" if mixed else "float32", "tokens_per_s": tps,
               "model_tflops": tflops, "mfu": tflops / p if p else None,
               "val_loss": state["history"]["val_loss"][-1], "wall_s": time.time() - t0}
        results.append(row)
        print(json.dumps(row))
json.dump({"device": name, "results": results}, open(f"{out}/gpu_check.json", "w"), indent=1)
