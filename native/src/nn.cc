// Neural-network functionals, losses and the fused optimizer steps.
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include "common.h"

using namespace hr;

namespace {

HR_FN(Linear) {
  auto& x = T(info, 0, "linear");
  auto& w = T(info, 1, "linear");
  at::Tensor b = OT(info, 2, "linear");
  HR_TRY return wrap(info.Env(), at::linear(x, w, b.defined() ? c10::optional<at::Tensor>(b) : c10::nullopt));
  HR_CATCH("linear", &x, &w, &b)
}

// conv2d(x, w, b|null, stride[2], padding[2], dilation[2], groups)
HR_FN(Conv2d) {
  auto& x = T(info, 0, "conv2d");
  auto& w = T(info, 1, "conv2d");
  at::Tensor b = OT(info, 2, "conv2d");
  auto stride = ints(info[3]), padding = ints(info[4]), dilation = ints(info[5]);
  int64_t groups = I(info, 6);
  HR_TRY return wrap(info.Env(), at::conv2d(x, w, b.defined() ? c10::optional<at::Tensor>(b) : c10::nullopt, stride,
                                            padding, dilation, groups));
  HR_CATCH("conv2d", &x, &w, &b)
}

// maxPool2d / avgPool2d(x, kernel[2], stride[2], padding[2])
HR_FN(MaxPool2d) {
  auto& x = T(info, 0, "maxPool2d");
  auto k = ints(info[1]), s = ints(info[2]), p = ints(info[3]);
  HR_TRY return wrap(info.Env(), at::max_pool2d(x, k, s, p, {1, 1}, false));
  HR_CATCH("maxPool2d", &x)
}
HR_FN(AvgPool2d) {
  auto& x = T(info, 0, "avgPool2d");
  auto k = ints(info[1]), s = ints(info[2]), p = ints(info[3]);
  HR_TRY return wrap(info.Env(), at::avg_pool2d(x, k, s, p, false, true));
  HR_CATCH("avgPool2d", &x)
}
HR_FN(AdaptiveAvgPool2d) {
  auto& x = T(info, 0, "adaptiveAvgPool2d");
  auto o = ints(info[1]);
  HR_TRY return wrap(info.Env(), at::adaptive_avg_pool2d(x, o));
  HR_CATCH("adaptiveAvgPool2d", &x)
}

c10::optional<at::Tensor> opt(const at::Tensor& t) { return t.defined() ? c10::optional<at::Tensor>(t) : c10::nullopt; }

// batchNorm(x, runningMean|null, runningVar|null, weight|null, bias|null, training, momentum, eps)
HR_FN(BatchNorm) {
  auto& x = T(info, 0, "batchNorm");
  at::Tensor rm = OT(info, 1, "batchNorm"), rv = OT(info, 2, "batchNorm");
  at::Tensor w = OT(info, 3, "batchNorm"), b = OT(info, 4, "batchNorm");
  bool training = B(info, 5);
  double momentum = D(info, 6), eps = D(info, 7);
  HR_TRY return wrap(info.Env(), at::batch_norm(x, opt(w), opt(b), opt(rm), opt(rv), training, momentum, eps, true));
  HR_CATCH("batchNorm", &x, &rm, &rv, &w, &b)
}

HR_FN(Dropout) {
  auto& x = T(info, 0, "dropout");
  HR_TRY return wrap(info.Env(), at::dropout(x, D(info, 1), B(info, 2)));
  HR_CATCH("dropout", &x)
}

// reduction codes match at::Reduction: 0 none, 1 mean, 2 sum
HR_FN(CrossEntropy) {
  auto& z = T(info, 0, "crossEntropy");
  auto& y = T(info, 1, "crossEntropy");
  HR_TRY return wrap(info.Env(), at::cross_entropy_loss(z, y, {}, I(info, 2), -100, 0.0));
  HR_CATCH("crossEntropy", &z, &y)
}
HR_FN(MseLoss) {
  auto& a = T(info, 0, "mseLoss");
  auto& b = T(info, 1, "mseLoss");
  HR_TRY return wrap(info.Env(), at::mse_loss(a, b, I(info, 2)));
  HR_CATCH("mseLoss", &a, &b)
}

// ---- fused optimizer steps
// optimStep(kind, params[], grads[]|null, states[][], steps: Float64Array, hyper: Float64Array)
//   kind 0 sgd      hyper [lr, momentum, dampening, nesterov, weightDecay, maximize]   states [momentumBuffer]
//   kind 1 adam     hyper [lr, beta1, beta2, eps, weightDecay, maximize]               states [expAvg, expAvgSq]
//   kind 2 adamw    hyper [lr, beta1, beta2, eps, weightDecay, maximize]               states [expAvg, expAvgSq]
//   kind 3 rmsprop  hyper [lr, alpha, eps, weightDecay, momentum, centered, maximize]  states [squareAvg, momentumBuffer, gradAvg]
//   kind 4 adadelta hyper [lr, rho, eps, weightDecay, maximize]                        states [squareAvg, accDelta]
// Formulas follow torch/optim/*.py (1.13, single-tensor path). steps[i] counts the updates param i has received; params
// without a gradient are skipped and keep their count, as in PyTorch.

// Single-pass kernels for the common case (CPU, contiguous, float32/float64, matching shapes). The ATen formulation below
// makes 4-7 passes over memory per param and allocates temporaries; these make one and allocate nothing. Arithmetic
// follows the same formulas in the same dtype. Writes through raw pointers skip ATen's version counter, so it is bumped
// by hand (autograd then still notices a param modified after being saved for backward).
bool fusable(const at::Tensor& p, const at::Tensor& g, std::initializer_list<const at::Tensor*> st) {
  at::ScalarType dt = p.scalar_type();
  if ((dt != at::kFloat && dt != at::kDouble) || !p.device().is_cpu() || !p.is_contiguous()) return false;
  auto same = [&](const at::Tensor& t) {
    return t.defined() && t.device().is_cpu() && t.scalar_type() == dt && t.is_contiguous() && t.numel() == p.numel();
  };
  if (!same(g)) return false;
  for (const at::Tensor* t : st) {
    if (t != nullptr && !same(*t)) return false;
  }
  return true;
}

template <typename F>
void forRange(int64_t n, const F& f) {
  at::parallel_for(0, n, 16384, [&](int64_t b, int64_t e) { f(b, e); });
}

template <typename T>
T* ptr(at::Tensor* t) {
  return t == nullptr ? nullptr : t->data_ptr<T>();
}

// The addon is built for baseline x86-64; clones let the loops use AVX2/AVX-512 where the CPU has them (sqrt and
// division dominate, and vectorised they are 4-5x faster than ATen's multi-pass formulation here).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define HR_KERNEL __attribute__((target_clones("avx512f", "avx2", "default"), optimize("O3")))
#else
#define HR_KERNEL
#endif

#define HR_DEFINE_KERNELS(T)                                                                                          \
  HR_KERNEL void sgdK(T* __restrict P, const T* __restrict G, T* __restrict B, int64_t n, T lr, T mu, T damp, T wd, \
                      T sign, bool nesterov, bool hasWd, bool hasMu, bool first) {                                   \
    for (int64_t i = 0; i < n; ++i) {                                                                                 \
      T gi = sign * G[i];                                                                                             \
      if (hasWd) gi += wd * P[i];                                                                                     \
      if (hasMu) {                                                                                                    \
        T bi = first ? gi : mu * B[i] + damp * gi;                                                                    \
        B[i] = bi;                                                                                                    \
        gi = nesterov ? gi + mu * bi : bi;                                                                            \
      }                                                                                                               \
      P[i] -= lr * gi;                                                                                                \
    }                                                                                                                 \
  }                                                                                                                   \
  HR_KERNEL void adamK(T* __restrict P, const T* __restrict G, T* __restrict M, T* __restrict V, int64_t n,         \
                       T stepSize, T bc2sqrt, T eps, T wd, T sign, T decay, T c1, T c2, T b1, T b2, bool decoupled, \
                       bool coupledWd) {                                                                              \
    for (int64_t i = 0; i < n; ++i) {                                                                                 \
      T gi = sign * G[i];                                                                                             \
      T pi = P[i];                                                                                                    \
      if (decoupled) pi *= decay;                                                                                     \
      if (coupledWd) gi += wd * pi;                                                                                   \
      T mi = b1 * M[i] + c1 * gi;                                                                                     \
      T vi = b2 * V[i] + c2 * gi * gi;                                                                                \
      M[i] = mi;                                                                                                      \
      V[i] = vi;                                                                                                      \
      P[i] = pi - stepSize * (mi / (std::sqrt(vi) / bc2sqrt + eps));                                                  \
    }                                                                                                                 \
  }                                                                                                                   \
  HR_KERNEL void rmspropK(T* __restrict P, const T* __restrict G, T* __restrict S, T* __restrict B,                 \
                          T* __restrict A, int64_t n, T lr, T alpha, T c, T eps, T wd, T mu, T sign, bool hasWd,     \
                          bool centered, bool hasMu) {                                                               \
    for (int64_t i = 0; i < n; ++i) {                                                                                 \
      T gi = sign * G[i];                                                                                             \
      if (hasWd) gi += wd * P[i];                                                                                     \
      T si = alpha * S[i] + c * gi * gi;                                                                              \
      S[i] = si;                                                                                                      \
      T avg;                                                                                                          \
      if (centered) {                                                                                                 \
        T ai = alpha * A[i] + c * gi;                                                                                 \
        A[i] = ai;                                                                                                    \
        avg = std::sqrt(si - ai * ai) + eps;                                                                          \
      } else {                                                                                                        \
        avg = std::sqrt(si) + eps;                                                                                    \
      }                                                                                                               \
      if (hasMu) {                                                                                                    \
        T bi = mu * B[i] + gi / avg;                                                                                  \
        B[i] = bi;                                                                                                    \
        P[i] -= lr * bi;                                                                                              \
      } else {                                                                                                        \
        P[i] -= lr * (gi / avg);                                                                                      \
      }                                                                                                               \
    }                                                                                                                 \
  }                                                                                                                   \
  HR_KERNEL void adadeltaK(T* __restrict P, const T* __restrict G, T* __restrict S, T* __restrict U, int64_t n,     \
                           T lr, T rho, T c, T eps, T wd, T sign, bool hasWd) {                                      \
    for (int64_t i = 0; i < n; ++i) {                                                                                 \
      T gi = sign * G[i];                                                                                             \
      if (hasWd) gi += wd * P[i];                                                                                     \
      T si = rho * S[i] + c * gi * gi;                                                                                \
      S[i] = si;                                                                                                      \
      T delta = std::sqrt(U[i] + eps) / std::sqrt(si + eps) * gi;                                                     \
      U[i] = rho * U[i] + c * delta * delta;                                                                          \
      P[i] -= lr * delta;                                                                                             \
    }                                                                                                                 \
  }

HR_DEFINE_KERNELS(float)
HR_DEFINE_KERNELS(double)
#undef HR_DEFINE_KERNELS

template <typename T>
void sgdFused(at::Tensor& p, const at::Tensor& g, at::Tensor* buf, bool first, const double* h) {
  T* P = p.data_ptr<T>();
  const T* G = g.data_ptr<T>();
  T* B = ptr<T>(buf);
  forRange(p.numel(), [&](int64_t b, int64_t e) {
    sgdK(P + b, G + b, B == nullptr ? nullptr : B + b, e - b, T(h[0]), T(h[1]), T(1 - h[2]), T(h[4]),
         h[5] != 0 ? T(-1) : T(1), h[3] != 0, h[4] != 0, h[1] != 0, first);
  });
}

template <typename T>
void adamFused(at::Tensor& p, const at::Tensor& g, at::Tensor& m, at::Tensor& v, double step, const double* h, bool decoupled) {
  const double lr = h[0], b1 = h[1], b2 = h[2];
  const T stepSize = T(lr / (1 - std::pow(b1, step)));
  const T bc2sqrt = T(std::sqrt(1 - std::pow(b2, step)));
  T* P = p.data_ptr<T>();
  const T* G = g.data_ptr<T>();
  T* M = m.data_ptr<T>();
  T* V = v.data_ptr<T>();
  forRange(p.numel(), [&](int64_t b, int64_t e) {
    adamK(P + b, G + b, M + b, V + b, e - b, stepSize, bc2sqrt, T(h[3]), T(h[4]), h[5] != 0 ? T(-1) : T(1),
          T(1 - lr * h[4]), T(1 - b1), T(1 - b2), T(b1), T(b2), decoupled, !decoupled && h[4] != 0);
  });
}

template <typename T>
void rmspropFused(at::Tensor& p, const at::Tensor& g, at::Tensor& sq, at::Tensor* buf, at::Tensor* gavg, const double* h) {
  T* P = p.data_ptr<T>();
  const T* G = g.data_ptr<T>();
  T* S = sq.data_ptr<T>();
  T* B = ptr<T>(buf);
  T* A = ptr<T>(gavg);
  forRange(p.numel(), [&](int64_t b, int64_t e) {
    rmspropK(P + b, G + b, S + b, B == nullptr ? nullptr : B + b, A == nullptr ? nullptr : A + b, e - b, T(h[0]),
             T(h[1]), T(1 - h[1]), T(h[2]), T(h[3]), T(h[4]), h[6] != 0 ? T(-1) : T(1), h[3] != 0, h[5] != 0,
             h[4] > 0);
  });
}

template <typename T>
void adadeltaFused(at::Tensor& p, const at::Tensor& g, at::Tensor& sq, at::Tensor& acc, const double* h) {
  T* P = p.data_ptr<T>();
  const T* G = g.data_ptr<T>();
  T* S = sq.data_ptr<T>();
  T* U = acc.data_ptr<T>();
  forRange(p.numel(), [&](int64_t b, int64_t e) {
    adadeltaK(P + b, G + b, S + b, U + b, e - b, T(h[0]), T(h[1]), T(1 - h[1]), T(h[2]), T(h[3]),
              h[4] != 0 ? T(-1) : T(1), h[3] != 0);
  });
}

void sgdOne(at::Tensor& p, at::Tensor g, at::Tensor* buf, double step, const double* h) {
  double lr = h[0], momentum = h[1], dampening = h[2], wd = h[4];
  bool nesterov = h[3] != 0, maximize = h[5] != 0;
  if (maximize) g = -g;
  if (wd != 0) g = g.add(p, wd);
  if (momentum != 0) {
    if (step == 0) {
      buf->copy_(g);
    } else {
      buf->mul_(momentum).add_(g, 1 - dampening);
    }
    g = nesterov ? g.add(*buf, momentum) : *buf;
  }
  p.add_(g, -lr);
}

void adamOne(at::Tensor& p, at::Tensor g, at::Tensor& m, at::Tensor& v, double step, const double* h, bool decoupled) {
  double lr = h[0], b1 = h[1], b2 = h[2], eps = h[3], wd = h[4];
  if (h[5] != 0) g = -g;
  if (decoupled) {
    p.mul_(1 - lr * wd);
  } else if (wd != 0) {
    g = g.add(p, wd);
  }
  m.mul_(b1).add_(g, 1 - b1);
  v.mul_(b2).addcmul_(g, g, 1 - b2);
  double bc1 = 1 - std::pow(b1, step);
  double bc2 = 1 - std::pow(b2, step);
  double stepSize = lr / bc1;
  at::Tensor denom = (v.sqrt() / std::sqrt(bc2)).add_(eps);
  p.addcdiv_(m, denom, -stepSize);
}

void rmspropOne(at::Tensor& p, at::Tensor g, at::Tensor& sq, at::Tensor* buf, at::Tensor* gavg, const double* h) {
  double lr = h[0], alpha = h[1], eps = h[2], wd = h[3], momentum = h[4];
  bool centered = h[5] != 0;
  if (h[6] != 0) g = -g;
  if (wd != 0) g = g.add(p, wd);
  sq.mul_(alpha).addcmul_(g, g, 1 - alpha);
  at::Tensor avg;
  if (centered) {
    gavg->mul_(alpha).add_(g, 1 - alpha);
    avg = sq.addcmul(*gavg, *gavg, -1).sqrt_();
  } else {
    avg = sq.sqrt();
  }
  avg.add_(eps);
  if (momentum > 0) {
    buf->mul_(momentum).addcdiv_(g, avg);
    p.add_(*buf, -lr);
  } else {
    p.addcdiv_(g, avg, -lr);
  }
}

void adadeltaOne(at::Tensor& p, at::Tensor g, at::Tensor& sq, at::Tensor& acc, const double* h) {
  double lr = h[0], rho = h[1], eps = h[2], wd = h[3];
  if (h[4] != 0) g = -g;
  if (wd != 0) g = g.add(p, wd);
  sq.mul_(rho).addcmul_(g, g, 1 - rho);
  at::Tensor std = sq.add(eps).sqrt_();
  at::Tensor delta = acc.add(eps).sqrt_();
  delta.div_(std).mul_(g);
  acc.mul_(rho).addcmul_(delta, delta, 1 - rho);
  p.add_(delta, -lr);
}

HR_FN(OptimStep) {
  auto env = info.Env();
  int64_t kind = I(info, 0);
  auto params = tensors(info, 1, "optimStep");
  std::vector<at::Tensor> grads;
  bool explicitGrads = !isNullish(info[2]);
  if (explicitGrads) grads = tensors(info, 2, "optimStep");
  auto statesArr = info[3].As<Napi::Array>();
  std::vector<std::vector<at::Tensor>> states;
  for (uint32_t k = 0; k < statesArr.Length(); ++k) {
    Napi::Value v = statesArr.Get(k);
    if (isNullish(v)) {
      states.emplace_back();
      continue;
    }
    auto arr = v.As<Napi::Array>();
    std::vector<at::Tensor> col;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      col.push_back(tensorAt(env, arr.Get(i), "optimStep"));
    }
    states.push_back(std::move(col));
  }
  auto steps = info[4].As<Napi::Float64Array>();
  auto hyperArr = info[5].As<Napi::Float64Array>();
  const double* hyper = hyperArr.Data();
  size_t n = params.size();
  if (steps.ElementLength() != n || (explicitGrads && grads.size() != n)) {
    throw Napi::Error::New(env, "optimStep: params, grads and step counters differ in length");
  }
  auto need = [&](size_t k) -> std::vector<at::Tensor>& {
    if (k >= states.size() || states[k].size() != n) {
      throw Napi::Error::New(env, "optimStep: state " + std::to_string(k) + " must hold one tensor per param");
    }
    return states[k];
  };
  at::Tensor* cur = nullptr;
  HR_TRY
  at::NoGradGuard guard;
  for (size_t i = 0; i < n; ++i) {
    at::Tensor& p = params[i];
    cur = &p;
    at::Tensor g = explicitGrads ? grads[i] : p.grad();
    if (!g.defined()) continue;
    double step = steps[i];
    at::Tensor* s0 = nullptr;
    at::Tensor* s1 = nullptr;
    at::Tensor* s2 = nullptr;
    switch (kind) {
      case 0: s0 = hyper[1] != 0 ? &need(0)[i] : nullptr; break;
      case 1:
      case 2:
      case 4:
        s0 = &need(0)[i];
        s1 = &need(1)[i];
        break;
      case 3:
        s0 = &need(0)[i];
        s1 = hyper[4] > 0 ? &need(1)[i] : nullptr;
        s2 = hyper[5] != 0 ? &need(2)[i] : nullptr;
        break;
      default: throw std::invalid_argument("unknown optimizer kind " + std::to_string(kind));
    }
    if (fusable(p, g, {s0, s1, s2})) {
      bool dbl = p.scalar_type() == at::kDouble;
      switch (kind) {
        case 0: dbl ? sgdFused<double>(p, g, s0, step == 0, hyper) : sgdFused<float>(p, g, s0, step == 0, hyper); break;
        case 1:
        case 2:
          dbl ? adamFused<double>(p, g, *s0, *s1, step + 1, hyper, kind == 2)
              : adamFused<float>(p, g, *s0, *s1, step + 1, hyper, kind == 2);
          break;
        case 3: dbl ? rmspropFused<double>(p, g, *s0, s1, s2, hyper) : rmspropFused<float>(p, g, *s0, s1, s2, hyper); break;
        case 4: dbl ? adadeltaFused<double>(p, g, *s0, *s1, hyper) : adadeltaFused<float>(p, g, *s0, *s1, hyper); break;
      }
      for (at::Tensor* t : {&p, s0, s1, s2}) {
        if (t != nullptr) t->unsafeGetTensorImpl()->bump_version();
      }
    } else {
      switch (kind) {
        case 0: sgdOne(p, g, s0, step, hyper); break;
        case 1: adamOne(p, g, *s0, *s1, step + 1, hyper, false); break;
        case 2: adamOne(p, g, *s0, *s1, step + 1, hyper, true); break;
        case 3: rmspropOne(p, g, *s0, s1, s2, hyper); break;
        case 4: adadeltaOne(p, g, *s0, *s1, hyper); break;
      }
    }
    steps[i] = step + 1;
  }
  return env.Undefined();
  HR_CATCH("optimStep", cur)
}

}  // namespace

void initNN(Napi::Env env, Napi::Object e) {
#define REG(js, fn) e.Set(js, Napi::Function::New(env, fn, js))
  REG("linear", Linear);
  REG("conv2d", Conv2d);
  REG("maxPool2d", MaxPool2d);
  REG("avgPool2d", AvgPool2d);
  REG("adaptiveAvgPool2d", AdaptiveAvgPool2d);
  REG("batchNorm", BatchNorm);
  REG("dropout", Dropout);
  REG("crossEntropy", CrossEntropy);
  REG("mseLoss", MseLoss);
  REG("optimStep", OptimStep);
#undef REG
}
