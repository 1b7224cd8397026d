// word2vec's skip-gram negative-sampling update, pair by pair, in place (Hogwild).
// Built and loaded by llm_tf/vectors/native.py; used by Word2VecModel.train_step.
//
// LlmTfSgnsUpdate(w_in, w_out, contexts, centres, alias_probability, alias,
//                 learning_rate, seed)
//   For each pair p with centres[p] != 0 (0 pads a batch): the input row
//   v = w_in[contexts[p]] predicts the centre word o = centres[p] (label 1) and
//   `negative` words drawn from the noise distribution (Walker's alias tables;
//   label 0; a draw equal to o is skipped, as word2vec.c does). For each target t
//   with output row u, with word2vec.c's sigmoid table (saturated outside +-6):
//     g = learning_rate * (label - sigmoid(u . v));  e += g * u;  u += g * v
//   then v += e. This is word2vec.c's and gensim's sequential SGD. `threads`
//   workers take chunks of 256 consecutive pairs in turn and update at once without
//   row locks, as word2vec.c's and gensim's worker threads do (Hogwild; with
//   threads = 1 the result is deterministic). Returns the summed loss
//   softplus(-u_o . v) + sum_k softplus(u_k . v) over the real pairs of the first
//   `loss_chunks` chunks (an estimate for the progress bar), and how many pairs
//   that is.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>
#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/resource_mgr.h"
#include "tensorflow/core/framework/resource_var.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "tensorflow/core/platform/blocking_counter.h"
#include "tensorflow/core/platform/mutex.h"

namespace llm_tf {
using namespace tensorflow;  // NOLINT

REGISTER_OP("LlmTfSgnsUpdate")
    .Input("w_in: resource")
    .Input("w_out: resource")
    .Input("contexts: int32")
    .Input("centres: int32")
    .Input("alias_probability: float")
    .Input("alias: int32")
    .Input("learning_rate: float")
    .Input("seed: int64")
    .Output("loss_sum: float")
    .Output("loss_pairs: float")
    .Attr("negative: int >= 1")
    .Attr("threads: int >= 1 = 1")
    .Attr("loss_chunks: int >= 0 = 2")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->Scalar());
      c->set_output(1, c->Scalar());
      return absl::OkStatus();
    });

namespace {

inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

constexpr int64_t kChunk = 256;  // pairs a worker takes at a time
constexpr int kTableSize = 1000;  // word2vec.c's EXP_TABLE_SIZE and MAX_EXP
constexpr float kMaxExp = 6.0f;

inline float Softplus(float x) {  // log(1 + e^x), stable
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// u . v over n floats.
inline float Dot(const float* __restrict u, const float* __restrict v, int64_t n) {
#ifdef __AVX512F__  // one 16-wide accumulator, a masked tail, a shuffle-tree final sum
  __m512 acc = _mm512_setzero_ps();
  int64_t d = 0;
  for (; d + 16 <= n; d += 16) {
    acc = _mm512_fmadd_ps(_mm512_loadu_ps(u + d), _mm512_loadu_ps(v + d), acc);
  }
  if (d < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - d)) - 1);
    acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, u + d), _mm512_maskz_loadu_ps(m, v + d), acc);
  }
  return _mm512_reduce_add_ps(acc);
#else
  float f = 0.0f;
#pragma omp simd reduction(+ : f)
  for (int64_t d = 0; d < n; ++d) f += u[d] * v[d];
  return f;
#endif
}

// u_j . v for four rows at once (four independent sums keep the FMA units busy).
inline void Dot4(const float* const* u, const float* __restrict v, int64_t n, float* out) {
#ifdef __AVX512F__
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t d = 0;
  for (; d + 16 <= n; d += 16) {
    const __m512 vd = _mm512_loadu_ps(v + d);
    a0 = _mm512_fmadd_ps(_mm512_loadu_ps(u[0] + d), vd, a0);
    a1 = _mm512_fmadd_ps(_mm512_loadu_ps(u[1] + d), vd, a1);
    a2 = _mm512_fmadd_ps(_mm512_loadu_ps(u[2] + d), vd, a2);
    a3 = _mm512_fmadd_ps(_mm512_loadu_ps(u[3] + d), vd, a3);
  }
  if (d < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - d)) - 1);
    const __m512 vd = _mm512_maskz_loadu_ps(m, v + d);
    a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, u[0] + d), vd, a0);
    a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, u[1] + d), vd, a1);
    a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, u[2] + d), vd, a2);
    a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, u[3] + d), vd, a3);
  }
  out[0] = _mm512_reduce_add_ps(a0);
  out[1] = _mm512_reduce_add_ps(a1);
  out[2] = _mm512_reduce_add_ps(a2);
  out[3] = _mm512_reduce_add_ps(a3);
#else
  for (int j = 0; j < 4; ++j) out[j] = Dot(u[j], v, n);
#endif
}

// e += g u, then u += g v, over n floats.
inline void Update(float* __restrict e, float* __restrict u, const float* __restrict v, float g,
                   int64_t n) {
#ifdef __AVX512F__
  const __m512 gv = _mm512_set1_ps(g);
  int64_t d = 0;
  for (; d + 16 <= n; d += 16) {
    const __m512 ud = _mm512_loadu_ps(u + d);
    _mm512_storeu_ps(e + d, _mm512_fmadd_ps(gv, ud, _mm512_loadu_ps(e + d)));
    _mm512_storeu_ps(u + d, _mm512_fmadd_ps(gv, _mm512_loadu_ps(v + d), ud));
  }
  if (d < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - d)) - 1);
    const __m512 ud = _mm512_maskz_loadu_ps(m, u + d);
    _mm512_mask_storeu_ps(e + d, m, _mm512_fmadd_ps(gv, ud, _mm512_maskz_loadu_ps(m, e + d)));
    _mm512_mask_storeu_ps(u + d, m, _mm512_fmadd_ps(gv, _mm512_maskz_loadu_ps(m, v + d), ud));
  }
#else
#pragma omp simd
  for (int64_t d = 0; d < n; ++d) {
    e[d] += g * u[d];
    u[d] += g * v[d];
  }
#endif
}

// word2vec.c's expTable: sigmoid at kTableSize + 1 points on [-kMaxExp, kMaxExp],
// built once per process.
const float* SigmoidTable() {
  static const std::vector<float> table = [] {
    std::vector<float> t(kTableSize + 1);
    for (int i = 0; i <= kTableSize; ++i) {
      const float x = (2.0f * i / kTableSize - 1.0f) * kMaxExp;
      t[i] = 1.0f / (1.0f + std::exp(-x));
    }
    return t;
  }();
  return table.data();
}

// The variable's buffer, made private first if a reader still holds it (as
// TensorFlow's own sparse updates do), so that the update is seen by no one else.
absl::Status PrivateBuffer(OpKernelContext* ctx, Var* var) {
  if (var->tensor()->RefCountIsOne()) return absl::OkStatus();
  Tensor copy;
  TF_RETURN_IF_ERROR(
      ctx->allocate_temp(var->tensor()->dtype(), var->tensor()->shape(), &copy));
  std::memcpy(copy.data(), var->tensor()->data(), var->tensor()->TotalBytes());
  *var->tensor() = copy;
  return absl::OkStatus();
}

}  // namespace

class SgnsUpdateOp : public OpKernel {
 public:
  explicit SgnsUpdateOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("negative", &negative_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("threads", &threads_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("loss_chunks", &loss_chunks_));
  }

  void Compute(OpKernelContext* ctx) override {
    core::RefCountPtr<Var> in_var, out_var;
    OP_REQUIRES_OK(ctx, LookupResource(ctx, HandleFromInput(ctx, 0), &in_var));
    OP_REQUIRES_OK(ctx, LookupResource(ctx, HandleFromInput(ctx, 1), &out_var));
    const Tensor& contexts = ctx->input(2);
    const Tensor& centres = ctx->input(3);
    const Tensor& alias_p = ctx->input(4);
    const Tensor& alias_t = ctx->input(5);
    const float lr = ctx->input(6).scalar<float>()();
    const uint64_t seed = static_cast<uint64_t>(ctx->input(7).scalar<int64_t>()());
    OP_REQUIRES(ctx, contexts.dims() == 1 && centres.shape() == contexts.shape(),
                errors::InvalidArgument("contexts and centres must be (P,) alike, got ",
                                        contexts.shape().DebugString(), " and ",
                                        centres.shape().DebugString()));
    mutex_lock lock_in(*in_var->mu());
    mutex_lock lock_out(*out_var->mu());
    OP_REQUIRES_OK(ctx, PrivateBuffer(ctx, in_var.get()));
    OP_REQUIRES_OK(ctx, PrivateBuffer(ctx, out_var.get()));
    Tensor* w_in = in_var->tensor();
    Tensor* w_out = out_var->tensor();
    OP_REQUIRES(ctx, w_in->dtype() == DT_FLOAT && w_out->dtype() == DT_FLOAT &&
                         w_in->dims() == 2 && w_in->shape() == w_out->shape(),
                errors::InvalidArgument("w_in and w_out must be float32 (V, D) alike"));
    const int64_t vocab = w_in->dim_size(0), dim = w_in->dim_size(1);
    OP_REQUIRES(ctx, alias_p.NumElements() == vocab && alias_t.NumElements() == vocab,
                errors::InvalidArgument("the alias tables must hold one value per row"));
    const int64_t n = contexts.NumElements();
    const int32_t* ctx_ids = contexts.flat<int32_t>().data();
    const int32_t* ctr_ids = centres.flat<int32_t>().data();
    for (int64_t p = 0; p < n; ++p) {
      OP_REQUIRES(ctx, ctx_ids[p] >= 0 && ctx_ids[p] < vocab && ctr_ids[p] >= 0 &&
                           ctr_ids[p] < vocab,
                  errors::InvalidArgument("word id out of range [0, ", vocab, ")"));
    }
    float* in = w_in->flat<float>().data();
    float* out = w_out->flat<float>().data();
    const float* keep = alias_p.flat<float>().data();
    const int32_t* alias = alias_t.flat<int32_t>().data();
    for (int64_t w = 0; w < vocab; ++w) {
      OP_REQUIRES(ctx, alias[w] >= 0 && alias[w] < vocab,
                  errors::InvalidArgument("alias id out of range [0, ", vocab, ")"));
    }
    const float* sigmoid = SigmoidTable();
    // The batch is cut in chunks of kChunk pairs that the workers take in turn from a
    // shared counter, so a worker the OS pauses holds no one up. Chunk c draws its
    // negatives from its own random stream, so one worker's result depends on the
    // seed only.
    const int64_t chunks = (n + kChunk - 1) / kChunk;
    const int workers = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads_, chunks)));
    std::atomic<int64_t> next_chunk{0};
    std::vector<double> loss(workers, 0.0), counted(workers, 0.0);

    auto run = [&, in, out, dim, lr, vocab](int worker) {  // by value: kept in registers
      std::vector<float> e(dim);
      std::vector<int64_t> targets(negative_ + 1);
      // Rows are scattered over tables larger than the caches: while one pair is
      // updated, the next pair's negatives are drawn and all its rows prefetched.
      auto prefetch_row = [dim](const float* row) {
        for (int64_t d = 0; d < dim; d += 16) __builtin_prefetch(row + d, 1);
      };
      std::vector<int64_t> next(negative_ + 1);
      std::vector<float> dots(negative_ + 1);
      for (int64_t c = next_chunk++; c < chunks; c = next_chunk++) {
        uint64_t rng = seed * 0x100000001B3ULL + static_cast<uint64_t>(c) + 1;
        const bool score = c < loss_chunks_;
        const int64_t first = c * kChunk, last = std::min(n, (c + 1) * kChunk);
        // Draw the negatives of pair p (Walker's alias method: one random number, one
        // lookup) and prefetch its rows.
        auto draw = [&](int64_t p) {
          if (p >= last || ctr_ids[p] == 0) return;
          for (int k = 1; k <= negative_; ++k) {
            const uint64_t r = SplitMix64(&rng);
            const int64_t w = static_cast<int64_t>((r >> 32) * static_cast<uint64_t>(vocab) >> 32);
            const float coin = static_cast<float>(r & 0xFFFFFF) * (1.0f / 16777216.0f);
            next[k] = coin < keep[w] ? w : alias[w];
            prefetch_row(out + next[k] * dim);
          }
          prefetch_row(in + static_cast<int64_t>(ctx_ids[p]) * dim);
          prefetch_row(out + static_cast<int64_t>(ctr_ids[p]) * dim);
        };
        draw(first);
        for (int64_t p = first; p < last; ++p) {
          const int32_t centre = ctr_ids[p];
          if (centre == 0) {  // padding
            draw(p + 1);
            continue;
          }
          std::swap(targets, next);
          draw(p + 1);
          float* v = in + static_cast<int64_t>(ctx_ids[p]) * dim;
          std::fill(e.begin(), e.end(), 0.0f);
          targets[0] = centre;
          // The 1 + K dot products come first, interleaved, when the targets are
          // distinct rows: then no update changes another target's row, and the
          // result is the sequential one. A repeated row takes the sequential path.
          bool distinct = true;
          for (int k = 1; k <= negative_ && distinct; ++k) {
            for (int j = 0; j < k; ++j) distinct &= targets[j] != targets[k];
          }
          if (distinct) {
            int k = 0;
            for (; k + 4 <= negative_ + 1; k += 4) {
              const float* rows[4] = {out + targets[k] * dim, out + targets[k + 1] * dim,
                                      out + targets[k + 2] * dim, out + targets[k + 3] * dim};
              Dot4(rows, v, dim, dots.data() + k);
            }
            for (; k <= negative_; ++k) dots[k] = Dot(out + targets[k] * dim, v, dim);
          }
          for (int k = 0; k <= negative_; ++k) {
            const int64_t target = targets[k];
            if (k > 0 && target == centre) continue;
            float* __restrict u = out + target * dim;
            const float f = distinct ? dots[k] : Dot(u, v, dim);
            const float label = k == 0 ? 1.0f : 0.0f;
            // word2vec.c's sigmoid: a table on [-6, 6], saturated outside
            float g;
            if (f > kMaxExp) {
              g = lr * (label - 1.0f);
            } else if (f < -kMaxExp) {
              g = lr * label;
            } else {
              g = lr * (label - sigmoid[static_cast<int>((f + kMaxExp) * (kTableSize / kMaxExp / 2))]);
            }
            if (score) loss[worker] += Softplus(k == 0 ? -f : f);
            Update(e.data(), u, v, g, dim);
          }
          for (int64_t d = 0; d < dim; ++d) v[d] += e[d];
          if (score) counted[worker] += 1.0;
        }
      }
    };
    if (workers == 1) {
      run(0);
    } else {
      auto* pool = ctx->device()->tensorflow_cpu_worker_threads()->workers;
      BlockingCounter done(workers - 1);
      for (int worker = 1; worker < workers; ++worker) {
        pool->Schedule([&run, &done, worker] {
          run(worker);
          done.DecrementCount();
        });
      }
      run(0);
      done.Wait();
    }
    double loss_sum = 0.0, pairs = 0.0;
    for (int worker = 0; worker < workers; ++worker) {
      loss_sum += loss[worker];
      pairs += counted[worker];
    }
    Tensor* out_loss = nullptr;
    Tensor* out_pairs = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({}), &out_loss));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, TensorShape({}), &out_pairs));
    out_loss->scalar<float>()() = static_cast<float>(loss_sum);
    out_pairs->scalar<float>()() = static_cast<float>(pairs);
  }

 private:
  int negative_ = 5;
  int threads_ = 1;
  int loss_chunks_ = 2;
};

REGISTER_KERNEL_BUILDER(Name("LlmTfSgnsUpdate").Device(DEVICE_CPU), SgnsUpdateOp);

}  // namespace llm_tf
