// Tensor ops: elementwise, comparisons, reductions, views, indexing, joins.
#include <cstring>

#include "common.h"

using namespace hr;

namespace {

// Scalar operands: at::add(Tensor, Scalar) wraps the number into a fresh tensor and takes a slow composite path (~3x the
// cost of tensor⊕tensor on small inputs). When the number is exactly representable in the tensor's own dtype (always for
// floating tensors; integral values for integer tensors) we use a cached 0-dim CPU tensor of that dtype instead, which
// gives the same result dtype and values. Other cases (e.g. int64 tensor + 0.5, bool tensors) keep the Scalar path and
// its type promotion.
struct ScalarEntry {
  uint64_t bits = 0;
  int8_t dtype = -1;
  at::Tensor t;
};
ScalarEntry g_scalarCache[256];

bool scalarOperand(const at::Tensor& a, double v, at::Tensor& out) {
  at::ScalarType st = a.scalar_type();
  bool floating = at::isFloatingType(st);
  bool integral = at::isIntegralType(st, /*includeBool=*/false);
  if (!floating && !(integral && std::nearbyint(v) == v && std::fabs(v) < 9.0e15)) return false;
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  uint64_t hsh = (bits ^ (bits >> 29) ^ (static_cast<uint64_t>(st) * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
  ScalarEntry& e = g_scalarCache[hsh >> 56];
  if (e.dtype != static_cast<int8_t>(st) || e.bits != bits || !e.t.defined()) {
    e.t = at::scalar_tensor(S(v), at::TensorOptions().dtype(st));
    e.bits = bits;
    e.dtype = static_cast<int8_t>(st);
  }
  out = e.t;
  return true;
}

// ---- binary ops: tensor ⊕ tensor and tensor ⊕ number (suffix s)
#define BINARY(js, Name, expr, exprS, FAST)                      \
  HR_FN(Name) {                                            \
    auto& a = T(info, 0, js);                              \
    auto& b = T(info, 1, js);                              \
    HR_TRY return wrap(info.Env(), expr);                  \
    HR_CATCH(js, &a, &b)                                   \
  }                                                        \
  HR_FN(Name##S) {                                         \
    auto& a = T(info, 0, js);                              \
    double v = D(info, 1);                                 \
    HR_TRY                                                 \
    at::Tensor b;                                          \
    if (FAST && scalarOperand(a, v, b)) return wrap(info.Env(), expr); \
    at::Scalar s = S(v);                                   \
    return wrap(info.Env(), exprS);                        \
    HR_CATCH(js, &a)                                       \
  }

BINARY("add", Add, at::add(a, b), at::add(a, s), true)
BINARY("sub", Sub, at::sub(a, b), at::sub(a, s), true)
BINARY("mul", Mul, at::mul(a, b), at::mul(a, s), true)
BINARY("div", Div, at::div(a, b), at::div(a, s), true)
BINARY("pow", Pow, at::pow(a, b), at::pow(a, s), false)
BINARY("maximum", Maximum, at::maximum(a, b), at::clamp_min(a, s), false)
BINARY("minimum", Minimum, at::minimum(a, b), at::clamp_max(a, s), false)
BINARY("eq", Eq, at::eq(a, b), at::eq(a, s), true)
BINARY("ne", Ne, at::ne(a, b), at::ne(a, s), true)
BINARY("lt", Lt, at::lt(a, b), at::lt(a, s), true)
BINARY("le", Le, at::le(a, b), at::le(a, s), true)
BINARY("gt", Gt, at::gt(a, b), at::gt(a, s), true)
BINARY("ge", Ge, at::ge(a, b), at::ge(a, s), true)
BINARY("logicalAnd", LogicalAnd, at::logical_and(a, b), at::logical_and(a, at::scalar_tensor(s, a.options())), true)
BINARY("logicalOr", LogicalOr, at::logical_or(a, b), at::logical_or(a, at::scalar_tensor(s, a.options())), true)
#undef BINARY

HR_FN(Matmul) {
  auto& a = T(info, 0, "matmul");
  auto& b = T(info, 1, "matmul");
  HR_TRY return wrap(info.Env(), at::matmul(a, b));
  HR_CATCH("matmul", &a, &b)
}

// ---- unary ops
#define UNARY(js, Name, expr)             \
  HR_FN(Name) {                           \
    auto& a = T(info, 0, js);             \
    HR_TRY return wrap(info.Env(), expr); \
    HR_CATCH(js, &a)                      \
  }

UNARY("neg", Neg, at::neg(a))
UNARY("exp", Exp, at::exp(a))
UNARY("log", Log, at::log(a))
UNARY("sqrt", Sqrt, at::sqrt(a))
UNARY("rsqrt", Rsqrt, at::rsqrt(a))
UNARY("abs", Abs, at::abs(a))
UNARY("sign", Sign, at::sign(a))
UNARY("square", Square, at::square(a))
UNARY("tanh", Tanh, at::tanh(a))
UNARY("sigmoid", Sigmoid, at::sigmoid(a))
UNARY("relu", Relu, at::relu(a))
UNARY("softplus", Softplus, at::softplus(a, 1, 20))
UNARY("log1p", Log1p, at::log1p(a))
UNARY("expm1", Expm1, at::expm1(a))
UNARY("sin", Sin, at::sin(a))
UNARY("cos", Cos, at::cos(a))
UNARY("reciprocal", Reciprocal, at::reciprocal(a))
UNARY("floor", Floor, at::floor(a))
UNARY("round", Round, at::round(a))
UNARY("logicalNot", LogicalNot, at::logical_not(a))
UNARY("isfinite", Isfinite, at::isfinite(a))
UNARY("t", Tr, a.t())
UNARY("maxAll", MaxAll, at::max(a))
UNARY("minAll", MinAll, at::min(a))
#undef UNARY

HR_FN(AllFinite) {
  auto& a = T(info, 0, "allFinite");
  HR_TRY return Napi::Boolean::New(info.Env(), at::isfinite(a).all().item<bool>());
  HR_CATCH("allFinite", &a)
}

// clamp(h, min|null, max|null)
HR_FN(Clamp) {
  auto& a = T(info, 0, "clamp");
  c10::optional<at::Scalar> lo, hi;
  if (!isNullish(info[1])) lo = S(info, 1);
  if (!isNullish(info[2])) hi = S(info, 2);
  HR_TRY return wrap(info.Env(), at::clamp(a, lo, hi));
  HR_CATCH("clamp", &a)
}

// ---- reductions: (h, dims|null, keepdim)
std::vector<int64_t> allDims(const at::Tensor& a) {
  std::vector<int64_t> d(a.dim());
  for (int64_t i = 0; i < a.dim(); ++i) d[i] = i;
  return d;
}

#define REDUCE(js, Name, allExpr, dimExpr)          \
  HR_FN(Name) {                                     \
    auto& a = T(info, 0, js);                       \
    bool keepdim = B(info, 2);                      \
    bool all = isNullish(info[1]);                  \
    std::vector<int64_t> dims;                      \
    if (!all) dims = ints(info[1]);                 \
    HR_TRY                                          \
    if (all && !keepdim) return wrap(info.Env(), allExpr); \
    if (all) dims = allDims(a);                     \
    return wrap(info.Env(), dimExpr);               \
    HR_CATCH(js, &a)                                \
  }

REDUCE("sum", Sum, at::sum(a), at::sum(a, dims, keepdim))
REDUCE("mean", Mean, at::mean(a), at::mean(a, dims, keepdim))
REDUCE("amax", Amax, at::amax(a), at::amax(a, dims, keepdim))
REDUCE("amin", Amin, at::amin(a), at::amin(a, dims, keepdim))
REDUCE("logsumexp", Logsumexp, at::logsumexp(a, allDims(a), false), at::logsumexp(a, dims, keepdim))
#undef REDUCE

// argmax(h, dim|null, keepdim)
HR_FN(Argmax) {
  auto& a = T(info, 0, "argmax");
  c10::optional<int64_t> dim;
  if (!isNullish(info[1])) dim = I(info, 1);
  HR_TRY return wrap(info.Env(), at::argmax(a, dim, B(info, 2)));
  HR_CATCH("argmax", &a)
}
HR_FN(Argmin) {
  auto& a = T(info, 0, "argmin");
  c10::optional<int64_t> dim;
  if (!isNullish(info[1])) dim = I(info, 1);
  HR_TRY return wrap(info.Env(), at::argmin(a, dim, B(info, 2)));
  HR_CATCH("argmin", &a)
}
HR_FN(MaxDim) {
  auto& a = T(info, 0, "max");
  HR_TRY return wrapPair(info.Env(), at::max(a, I(info, 1), B(info, 2)));
  HR_CATCH("max", &a)
}
HR_FN(MinDim) {
  auto& a = T(info, 0, "min");
  HR_TRY return wrapPair(info.Env(), at::min(a, I(info, 1), B(info, 2)));
  HR_CATCH("min", &a)
}
HR_FN(Softmax) {
  auto& a = T(info, 0, "softmax");
  HR_TRY return wrap(info.Env(), at::softmax(a, I(info, 1), c10::nullopt));
  HR_CATCH("softmax", &a)
}
HR_FN(LogSoftmax) {
  auto& a = T(info, 0, "logSoftmax");
  HR_TRY return wrap(info.Env(), at::log_softmax(a, I(info, 1), c10::nullopt));
  HR_CATCH("logSoftmax", &a)
}
// norm(h, p, dims|null, keepdim)
HR_FN(Norm) {
  auto& a = T(info, 0, "norm");
  at::Scalar p = at::Scalar(D(info, 1));
  bool all = isNullish(info[2]);
  std::vector<int64_t> dims;
  if (!all) dims = ints(info[2]);
  bool keepdim = B(info, 3);
  HR_TRY
  if (all && !keepdim) return wrap(info.Env(), at::norm(a, p));
  if (all) dims = allDims(a);
  return wrap(info.Env(), at::norm(a, c10::optional<at::Scalar>(p), dims, keepdim));
  HR_CATCH("norm", &a)
}
// var/std(h, dims|null, unbiased, keepdim)
#define VARLIKE(js, Name, fn)                                      \
  HR_FN(Name) {                                                    \
    auto& a = T(info, 0, js);                                      \
    bool all = isNullish(info[1]);                                 \
    std::vector<int64_t> dims;                                     \
    if (!all) dims = ints(info[1]);                                \
    bool unbiased = B(info, 2), keepdim = B(info, 3);              \
    HR_TRY                                                         \
    if (all && !keepdim) return wrap(info.Env(), fn(a, unbiased)); \
    if (all) dims = allDims(a);                                    \
    return wrap(info.Env(), fn(a, at::IntArrayRef(dims), unbiased, keepdim)); \
    HR_CATCH(js, &a)                                               \
  }
VARLIKE("var", Var, at::var)
VARLIKE("std", Std, at::std)
#undef VARLIKE

// ---- views and shape ops
HR_FN(Transpose) {
  auto& a = T(info, 0, "transpose");
  HR_TRY return wrap(info.Env(), a.transpose(I(info, 1), I(info, 2)));
  HR_CATCH("transpose", &a)
}
HR_FN(Permute) {
  auto& a = T(info, 0, "permute");
  auto d = ints(info[1]);
  HR_TRY return wrap(info.Env(), a.permute(d));
  HR_CATCH("permute", &a)
}
HR_FN(Reshape) {
  auto& a = T(info, 0, "reshape");
  auto d = ints(info[1]);
  HR_TRY return wrap(info.Env(), a.reshape(d));
  HR_CATCH("reshape", &a)
}
HR_FN(View) {
  auto& a = T(info, 0, "view");
  auto d = ints(info[1]);
  HR_TRY return wrap(info.Env(), a.view(d));
  HR_CATCH("view", &a)
}
HR_FN(Flatten) {
  auto& a = T(info, 0, "flatten");
  HR_TRY return wrap(info.Env(), a.flatten(I(info, 1), I(info, 2)));
  HR_CATCH("flatten", &a)
}
HR_FN(Squeeze) {
  auto& a = T(info, 0, "squeeze");
  HR_TRY return wrap(info.Env(), isNullish(info[1]) ? a.squeeze() : a.squeeze(I(info, 1)));
  HR_CATCH("squeeze", &a)
}
HR_FN(Unsqueeze) {
  auto& a = T(info, 0, "unsqueeze");
  HR_TRY return wrap(info.Env(), a.unsqueeze(I(info, 1)));
  HR_CATCH("unsqueeze", &a)
}
HR_FN(Expand) {
  auto& a = T(info, 0, "expand");
  auto d = ints(info[1]);
  HR_TRY return wrap(info.Env(), a.expand(d));
  HR_CATCH("expand", &a)
}
HR_FN(Narrow) {
  auto& a = T(info, 0, "narrow");
  HR_TRY return wrap(info.Env(), a.narrow(I(info, 1), I(info, 2), I(info, 3)));
  HR_CATCH("narrow", &a)
}
// slice(h, dim, start, end|null, step)
HR_FN(Slice) {
  auto& a = T(info, 0, "slice");
  c10::optional<int64_t> end;
  if (!isNullish(info[3])) end = I(info, 3);
  HR_TRY return wrap(info.Env(), at::slice(a, I(info, 1), I(info, 2), end, I(info, 4)));
  HR_CATCH("slice", &a)
}
HR_FN(Select) {
  auto& a = T(info, 0, "select");
  HR_TRY return wrap(info.Env(), a.select(I(info, 1), I(info, 2)));
  HR_CATCH("select", &a)
}

// ---- indexing
HR_FN(Gather) {
  auto& a = T(info, 0, "gather");
  auto& idx = T(info, 2, "gather");
  HR_TRY return wrap(info.Env(), at::gather(a, I(info, 1), idx));
  HR_CATCH("gather", &a, &idx)
}
HR_FN(Scatter) {
  auto& a = T(info, 0, "scatter");
  auto& idx = T(info, 2, "scatter");
  auto& src = T(info, 3, "scatter");
  HR_TRY return wrap(info.Env(), at::scatter(a, I(info, 1), idx, src));
  HR_CATCH("scatter", &a, &idx, &src)
}
HR_FN(ScatterS) {
  auto& a = T(info, 0, "scatter");
  auto& idx = T(info, 2, "scatter");
  HR_TRY return wrap(info.Env(), at::scatter(a, I(info, 1), idx, S(info, 3)));
  HR_CATCH("scatter", &a, &idx)
}
HR_FN(IndexSelect) {
  auto& a = T(info, 0, "indexSelect");
  auto& idx = T(info, 2, "indexSelect");
  HR_TRY return wrap(info.Env(), at::index_select(a, I(info, 1), idx));
  HR_CATCH("indexSelect", &a, &idx)
}
HR_FN(MaskedFill) {
  auto& a = T(info, 0, "maskedFill");
  auto& m = T(info, 1, "maskedFill");
  HR_TRY return wrap(info.Env(), at::masked_fill(a, m, S(info, 2)));
  HR_CATCH("maskedFill", &a, &m)
}
HR_FN(Topk) {
  auto& a = T(info, 0, "topk");
  HR_TRY return wrapPair(info.Env(), at::topk(a, I(info, 1), I(info, 2), B(info, 3), true));
  HR_CATCH("topk", &a)
}
HR_FN(Sort) {
  auto& a = T(info, 0, "sort");
  HR_TRY return wrapPair(info.Env(), at::sort(a, I(info, 1), B(info, 2)));
  HR_CATCH("sort", &a)
}
HR_FN(OneHot) {
  auto& a = T(info, 0, "oneHot");
  HR_TRY return wrap(info.Env(), at::one_hot(a, I(info, 1)));
  HR_CATCH("oneHot", &a)
}

// where(cond, a|null, b|null, aValue, bValue): a null handle means "use the number"; numbers become 0-dim tensors of the
// other operand's dtype (float32 if both are numbers). Handles are numbers too, hence the separate value slots.
HR_FN(Where) {
  auto& c = T(info, 0, "where");
  bool an = isNullish(info[1]), bn = isNullish(info[2]);
  at::Tensor a = an ? at::Tensor() : T(info, 1, "where");
  at::Tensor b = bn ? at::Tensor() : T(info, 2, "where");
  HR_TRY
  auto optsOf = [&](const at::Tensor& other) {
    return other.defined() ? other.options() : at::TensorOptions().dtype(at::kFloat).device(c.device());
  };
  if (an) a = at::scalar_tensor(S(info, 3), optsOf(b));
  if (bn) b = at::scalar_tensor(S(info, 4), optsOf(a));
  return wrap(info.Env(), at::where(c, a, b));
  HR_CATCH("where", &c, &a, &b)
}

HR_FN(Cat) {
  auto ts = tensors(info, 0, "cat");
  HR_TRY return wrap(info.Env(), at::cat(ts, I(info, 1)));
  HR_CATCH("cat", ts.empty() ? nullptr : &ts[0], ts.size() > 1 ? &ts[1] : nullptr)
}
HR_FN(Stack) {
  auto ts = tensors(info, 0, "stack");
  HR_TRY return wrap(info.Env(), at::stack(ts, I(info, 1)));
  HR_CATCH("stack", ts.empty() ? nullptr : &ts[0], ts.size() > 1 ? &ts[1] : nullptr)
}

}  // namespace

void initOps(Napi::Env env, Napi::Object e) {
#define REG(js, fn) e.Set(js, Napi::Function::New(env, fn, js))
#define REG2(js, Fn) \
  REG(js, Fn);       \
  REG(js "S", Fn##S)
  REG2("add", Add);
  REG2("sub", Sub);
  REG2("mul", Mul);
  REG2("div", Div);
  REG2("pow", Pow);
  REG2("maximum", Maximum);
  REG2("minimum", Minimum);
  REG2("eq", Eq);
  REG2("ne", Ne);
  REG2("lt", Lt);
  REG2("le", Le);
  REG2("gt", Gt);
  REG2("ge", Ge);
  REG2("logicalAnd", LogicalAnd);
  REG2("logicalOr", LogicalOr);
  REG("matmul", Matmul);
  REG("neg", Neg);
  REG("exp", Exp);
  REG("log", Log);
  REG("sqrt", Sqrt);
  REG("rsqrt", Rsqrt);
  REG("abs", Abs);
  REG("sign", Sign);
  REG("square", Square);
  REG("tanh", Tanh);
  REG("sigmoid", Sigmoid);
  REG("relu", Relu);
  REG("softplus", Softplus);
  REG("log1p", Log1p);
  REG("expm1", Expm1);
  REG("sin", Sin);
  REG("cos", Cos);
  REG("reciprocal", Reciprocal);
  REG("floor", Floor);
  REG("round", Round);
  REG("logicalNot", LogicalNot);
  REG("isfinite", Isfinite);
  REG("allFinite", AllFinite);
  REG("t", Tr);
  REG("maxAll", MaxAll);
  REG("minAll", MinAll);
  REG("clamp", Clamp);
  REG("sum", Sum);
  REG("mean", Mean);
  REG("amax", Amax);
  REG("amin", Amin);
  REG("logsumexp", Logsumexp);
  REG("argmax", Argmax);
  REG("argmin", Argmin);
  REG("maxDim", MaxDim);
  REG("minDim", MinDim);
  REG("softmax", Softmax);
  REG("logSoftmax", LogSoftmax);
  REG("norm", Norm);
  REG("var", Var);
  REG("std", Std);
  REG("transpose", Transpose);
  REG("permute", Permute);
  REG("reshape", Reshape);
  REG("view", View);
  REG("flatten", Flatten);
  REG("squeeze", Squeeze);
  REG("unsqueeze", Unsqueeze);
  REG("expand", Expand);
  REG("narrow", Narrow);
  REG("slice", Slice);
  REG("select", Select);
  REG("gather", Gather);
  REG("scatter", Scatter);
  REG("scatterS", ScatterS);
  REG("indexSelect", IndexSelect);
  REG("maskedFill", MaskedFill);
  REG("topk", Topk);
  REG("sort", Sort);
  REG("oneHot", OneHot);
  REG("where", Where);
  REG("cat", Cat);
  REG("stack", Stack);
#undef REG2
#undef REG
}
