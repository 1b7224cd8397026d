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
    float sigmoid[kTableSize + 1];
    for (int i = 0; i <= kTableSize; ++i) {
      const float x = (2.0f * i / kTableSize - 1.0f) * kMaxExp;
      sigmoid[i] = 1.0f / (1.0f + std::exp(-x));
    }
    // The batch is cut in chunks of kChunk pairs that the workers take in turn from a
    // shared counter, so a worker the OS pauses holds no one up. Chunk c draws its
    // negatives from its own random stream, so one worker's result depends on the
    // seed only.
    const int64_t chunks = (n + kChunk - 1) / kChunk;
    const int workers = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads_, chunks)));
    std::atomic<int64_t> next_chunk{0};
    std::vector<double> loss(workers, 0.0), counted(workers, 0.0);

    auto run = [&](int worker) {
      std::vector<float> e(dim);
      std::vector<int64_t> targets(negative_ + 1);
      for (int64_t c = next_chunk++; c < chunks; c = next_chunk++) {
        uint64_t rng = seed * 0x100000001B3ULL + static_cast<uint64_t>(c) + 1;
        const bool score = c < loss_chunks_;
        for (int64_t p = c * kChunk; p < std::min(n, (c + 1) * kChunk); ++p) {
          const int32_t centre = ctr_ids[p];
          if (centre == 0) continue;  // padding
          float* v = in + static_cast<int64_t>(ctx_ids[p]) * dim;
          std::fill(e.begin(), e.end(), 0.0f);
          // Draw the negatives first (Walker's alias method: one random number, one
          // lookup) and prefetch their rows, which are scattered over the table.
          for (int k = 1; k <= negative_; ++k) {
            const uint64_t r = SplitMix64(&rng);
            const int64_t w = static_cast<int64_t>((r >> 32) * static_cast<uint64_t>(vocab) >> 32);
            const float coin = static_cast<float>(r & 0xFFFFFF) * (1.0f / 16777216.0f);
            targets[k] = coin < keep[w] ? w : alias[w];
            __builtin_prefetch(out + targets[k] * dim);
          }
          targets[0] = centre;
          for (int k = 0; k <= negative_; ++k) {
            const int64_t target = targets[k];
            if (k > 0 && target == centre) continue;
            float* __restrict u = out + target * dim;
            float f = 0.0f;
#pragma omp simd reduction(+ : f)
            for (int64_t d = 0; d < dim; ++d) f += u[d] * v[d];
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
            float* __restrict ep = e.data();
#pragma omp simd
            for (int64_t d = 0; d < dim; ++d) {
              ep[d] += g * u[d];
              u[d] += g * v[d];
            }
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
