// Neural-network functionals, losses and the fused optimizer steps.
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
    switch (kind) {
      case 0: sgdOne(p, g, hyper[1] != 0 ? &need(0)[i] : nullptr, step, hyper); break;
      case 1: adamOne(p, g, need(0)[i], need(1)[i], step + 1, hyper, false); break;
      case 2: adamOne(p, g, need(0)[i], need(1)[i], step + 1, hyper, true); break;
      case 3:
        rmspropOne(p, g, need(0)[i], hyper[4] > 0 ? &need(1)[i] : nullptr, hyper[5] != 0 ? &need(2)[i] : nullptr, hyper);
        break;
      case 4: adadeltaOne(p, g, need(0)[i], need(1)[i], hyper); break;
      default: throw std::invalid_argument("unknown optimizer kind " + std::to_string(kind));
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
