// Handle lifetime, creation, data in/out, metadata, autograd, in-place ops and runtime settings.
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <sstream>

#include <torch/version.h>

#include "common.h"

namespace hr {

std::deque<Slot> g_slots;
static std::vector<uint32_t> g_free;
int64_t g_live = 0;
int64_t g_external = 0;
static int64_t g_pending = 0;

// V8 is told in batches: an AdjustExternalMemory call per op would cost more than the op on small tensors.
static void account(Napi::Env env, int64_t delta) {
  if (delta == 0) return;
  g_external += delta;
  g_pending += delta;
  if (g_pending > (int64_t(4) << 20) || g_pending < -(int64_t(4) << 20)) {
    Napi::MemoryManagement::AdjustExternalMemory(env, g_pending);
    g_pending = 0;
  }
}

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  uint32_t s;
  if (!g_free.empty()) {
    s = g_free.back();
    g_free.pop_back();
  } else {
    if (g_slots.size() > kSlotMask) {
      throw std::runtime_error("too many live tensors (" + std::to_string(g_live) + "); dispose tensors or use scope()");
    }
    s = static_cast<uint32_t>(g_slots.size());
    g_slots.emplace_back();
  }
  Slot& sl = g_slots[s];
  sl.t = std::move(t);
  sl.live = true;
  // Views share their base's storage; counting them would report memory that is not new.
  sl.bytes = (sl.t.defined() && sl.t.device().is_cpu() && !sl.t.is_view()) ? static_cast<int64_t>(sl.t.nbytes()) : 0;
  ++g_live;
  account(env, sl.bytes);
  napi_value out;
  napi_create_int32(env, static_cast<int32_t>(((sl.gen & kGenMask) << kSlotBits) | s), &out);
  return Napi::Value(env, out);
}

bool releaseId(Napi::Env env, napi_value v) {
  int32_t id = -1;
  if (napi_get_value_int32(env, v, &id) != napi_ok || id < 0) return false;
  uint32_t s = static_cast<uint32_t>(id) & kSlotMask;
  uint32_t gen = static_cast<uint32_t>(id) >> kSlotBits;
  if (s >= g_slots.size()) return false;
  Slot& sl = g_slots[s];
  if (!sl.live || (sl.gen & kGenMask) != gen) return false;
  sl.t = at::Tensor();
  sl.live = false;
  ++sl.gen;
  account(env, -sl.bytes);
  sl.bytes = 0;
  --g_live;
  g_free.push_back(s);
  return true;
}

at::Tensor tensorAt(Napi::Env env, const Napi::Value& v, const char* op) { return slotOf(env, v, op).t; }

Napi::Value wrapOrNull(Napi::Env env, const at::Tensor& t) {
  if (!t.defined()) return env.Null();
  return wrap(env, t);
}

Napi::Value wrapPair(Napi::Env env, std::tuple<at::Tensor, at::Tensor> p) {
  auto arr = Napi::Array::New(env, 2);
  arr.Set(uint32_t(0), wrap(env, std::move(std::get<0>(p))));
  arr.Set(uint32_t(1), wrap(env, std::move(std::get<1>(p))));
  return arr;
}

std::vector<int64_t> ints(const Napi::Value& v) {
  if (v.IsNumber()) return {v.As<Napi::Number>().Int64Value()};
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), "expected a number or an array of numbers");
  auto a = v.As<Napi::Array>();
  uint32_t n = a.Length();
  std::vector<int64_t> out(n);
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw Napi::TypeError::New(v.Env(), "expected an array of numbers");
    out[i] = e.As<Napi::Number>().Int64Value();
  }
  return out;
}

std::vector<at::Tensor> tensors(const Napi::CallbackInfo& info, size_t i, const char* op) {
  Napi::Value v = info[i];
  if (!v.IsArray()) throw Napi::TypeError::New(info.Env(), std::string(op) + ": expected an array of tensors");
  auto a = v.As<Napi::Array>();
  uint32_t n = a.Length();
  std::vector<at::Tensor> out;
  out.reserve(n);
  for (uint32_t k = 0; k < n; ++k) {
    out.push_back(tensorAt(info.Env(), a.Get(k), op));
  }
  return out;
}

// Codes shared with src/engine/native.ts (DTYPE_CODES): small ints keep string parsing off the per-op path.
at::ScalarType dtypeOf(int64_t code) {
  switch (code) {
    case 0: return at::kFloat;
    case 1: return at::kDouble;
    case 2: return at::kLong;
    case 3: return at::kBool;
    case 4: return at::kByte;
    case 5: return at::kInt;
    default: throw std::invalid_argument("unknown dtype code " + std::to_string(code));
  }
}

int64_t codeOf(at::ScalarType st) {
  switch (st) {
    case at::kFloat: return 0;
    case at::kDouble: return 1;
    case at::kLong: return 2;
    case at::kBool: return 3;
    case at::kByte: return 4;
    case at::kInt: return 5;
    default: return -1;
  }
}

at::Device deviceOf(int64_t code) { return code == 1 ? at::Device(at::kCUDA) : at::Device(at::kCPU); }

static const char* dtypeName(at::ScalarType st) {
  switch (st) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kLong: return "int64";
    case at::kBool: return "bool";
    case at::kByte: return "uint8";
    case at::kInt: return "int32";
    default: return c10::toString(st);
  }
}

std::string describe(const at::Tensor* t) {
  if (t == nullptr || !t->defined()) return "none";
  std::ostringstream os;
  os << dtypeName(t->scalar_type()) << '[';
  auto sz = t->sizes();
  for (size_t i = 0; i < sz.size(); ++i) os << (i ? ", " : "") << sz[i];
  os << ']';
  if (!t->device().is_cpu()) os << '@' << t->device().str();
  return os.str();
}

Napi::Error opError(Napi::Env env, const char* op, std::initializer_list<const at::Tensor*> inputs, const char* what) {
  std::string msg(what ? what : "unknown error");
  // c10 messages may carry context lines after the first; the first line is the readable part.
  size_t start = msg.find_first_not_of(" \n");
  if (start != std::string::npos) msg = msg.substr(start);
  size_t nl = msg.find('\n');
  if (nl != std::string::npos) msg = msg.substr(0, nl);
  std::string head(op);
  head += '(';
  bool first = true;
  for (const at::Tensor* t : inputs) {
    head += first ? "" : ", ";
    head += describe(t);
    first = false;
  }
  head += "): ";
  return Napi::Error::New(env, head + msg);
}

}  // namespace hr

using namespace hr;

namespace {

at::TensorOptions opts(const Napi::CallbackInfo& info, size_t i) {
  return at::TensorOptions().dtype(dtypeOf(I(info, i))).device(deviceOf(I(info, i + 1)));
}

Napi::Value finishNew(const Napi::CallbackInfo& info, at::Tensor t, size_t rgIndex) {
  if (info.Length() > rgIndex && info[rgIndex].IsBoolean() && B(info, rgIndex)) t.set_requires_grad(true);
  return wrap(info.Env(), std::move(t));
}

// fromTyped(typedArray, shape, dtype, device, requiresGrad)
HR_FN(FromTyped) {
  auto env = info.Env();
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "tensor: expected a typed array");
  auto ta = info[0].As<Napi::TypedArray>();
  at::ScalarType src;
  switch (ta.TypedArrayType()) {
    case napi_float32_array: src = at::kFloat; break;
    case napi_float64_array: src = at::kDouble; break;
    case napi_bigint64_array: src = at::kLong; break;
    case napi_int32_array: src = at::kInt; break;
    case napi_uint8_array: src = at::kByte; break;
    default: throw Napi::TypeError::New(env, "tensor: unsupported typed array type");
  }
  auto shape = ints(info[1]);
  HR_TRY
  int64_t n = 1;
  for (auto d : shape) n *= d;
  if (n != static_cast<int64_t>(ta.ElementLength())) throw std::invalid_argument("data length does not match shape");
  auto o = opts(info, 2);
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(src));
  auto* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  if (n > 0) std::memcpy(t.data_ptr(), base, static_cast<size_t>(n) * t.element_size());
  if (o.dtype() != t.dtype() || o.device() != t.device()) t = t.to(o.device(), o.dtype().toScalarType());
  return finishNew(info, std::move(t), 4);
  HR_CATCH("tensor")
}

HR_FN(Zeros) {
  auto s = ints(info[0]);
  HR_TRY return finishNew(info, at::zeros(s, opts(info, 1)), 3);
  HR_CATCH("zeros")
}
HR_FN(Ones) {
  auto s = ints(info[0]);
  HR_TRY return finishNew(info, at::ones(s, opts(info, 1)), 3);
  HR_CATCH("ones")
}
HR_FN(Full) {
  auto s = ints(info[0]);
  HR_TRY return finishNew(info, at::full(s, S(info, 1), opts(info, 2)), 4);
  HR_CATCH("full")
}
HR_FN(Rand) {
  auto s = ints(info[0]);
  HR_TRY return finishNew(info, at::rand(s, opts(info, 1)), 3);
  HR_CATCH("rand")
}
HR_FN(Randn) {
  auto s = ints(info[0]);
  HR_TRY return finishNew(info, at::randn(s, opts(info, 1)), 3);
  HR_CATCH("randn")
}
// randint(low, high, shape, dtype, device)
HR_FN(Randint) {
  auto s = ints(info[2]);
  HR_TRY return finishNew(info, at::randint(I(info, 0), I(info, 1), s, opts(info, 3)), 5);
  HR_CATCH("randint")
}
// arange(start, end, step, dtype, device, requiresGrad)
HR_FN(Arange) {
  HR_TRY return finishNew(info, at::arange(S(info, 0), S(info, 1), S(info, 2), opts(info, 3)), 5);
  HR_CATCH("arange")
}
HR_FN(Randperm) {
  HR_TRY return finishNew(info, at::randperm(I(info, 0), opts(info, 1)), 3);
  HR_CATCH("randperm")
}
HR_FN(Eye) {
  HR_TRY return finishNew(info, at::eye(I(info, 0), opts(info, 1)), 3);
  HR_CATCH("eye")
}

// toTyped(h, code): 0 Float32Array, 1 Float64Array, 2 BigInt64Array, 4 Uint8Array
HR_FN(ToTyped) {
  auto env = info.Env();
  auto& a = T(info, 0, "toTypedArray");
  int64_t code = I(info, 1);
  HR_TRY
  at::ScalarType st = dtypeOf(code == 3 ? 4 : code);
  at::Tensor c = a.detach().to(at::kCPU, st).contiguous();
  size_t bytes = c.nbytes();
  auto buf = Napi::ArrayBuffer::New(env, bytes);
  if (bytes) std::memcpy(buf.Data(), c.data_ptr(), bytes);
  size_t n = static_cast<size_t>(c.numel());
  switch (st) {
    case at::kFloat: return Napi::Float32Array::New(env, n, buf, 0);
    case at::kDouble: return Napi::Float64Array::New(env, n, buf, 0);
    case at::kLong: return Napi::BigInt64Array::New(env, n, buf, 0);
    default: return Napi::Uint8Array::New(env, n, buf, 0);
  }
  HR_CATCH("toTypedArray", &a)
}

HR_FN(Item) {
  auto& a = T(info, 0, "item");
  HR_TRY return Napi::Number::New(info.Env(), a.item<double>());
  HR_CATCH("item", &a)
}

// [dtypeCode, deviceCode, ...sizes]
HR_FN(Meta) {
  auto env = info.Env();
  auto& a = T(info, 0, "meta");
  auto sz = a.sizes();
  auto arr = Napi::Array::New(env, sz.size() + 2);
  arr.Set(uint32_t(0), Napi::Number::New(env, static_cast<double>(codeOf(a.scalar_type()))));
  arr.Set(uint32_t(1), Napi::Number::New(env, a.device().is_cuda() ? 1 : 0));
  for (size_t i = 0; i < sz.size(); ++i) arr.Set(uint32_t(i + 2), Napi::Number::New(env, static_cast<double>(sz[i])));
  return arr;
}

HR_FN(Dispose) { return Napi::Boolean::New(info.Env(), releaseId(info.Env(), info[0])); }

HR_FN(IsDisposed) {
  try {
    slotOf(info.Env(), info[0], "isDisposed");
    return Napi::Boolean::New(info.Env(), false);
  } catch (const Napi::Error&) {
    return Napi::Boolean::New(info.Env(), true);
  }
}

// ---- dtype / device / copies
HR_FN(To) {
  auto& a = T(info, 0, "to");
  HR_TRY return wrap(info.Env(), a.to(dtypeOf(I(info, 1))));
  HR_CATCH("to", &a)
}
HR_FN(ToDevice) {
  auto& a = T(info, 0, "toDevice");
  HR_TRY return wrap(info.Env(), a.to(deviceOf(I(info, 1))));
  HR_CATCH("toDevice", &a)
}
HR_FN(Clone) {
  auto& a = T(info, 0, "clone");
  HR_TRY return wrap(info.Env(), a.clone());
  HR_CATCH("clone", &a)
}
HR_FN(Contiguous) {
  auto& a = T(info, 0, "contiguous");
  HR_TRY return wrap(info.Env(), a.contiguous());
  HR_CATCH("contiguous", &a)
}

// ---- autograd
HR_FN(RequiresGrad) {
  auto& a = T(info, 0, "requiresGrad");
  return Napi::Boolean::New(info.Env(), a.requires_grad());
}
HR_FN(SetRequiresGrad) {
  auto& a = T(info, 0, "setRequiresGrad");
  HR_TRY a.set_requires_grad(B(info, 1));
  return info.Env().Undefined();
  HR_CATCH("setRequiresGrad", &a)
}
HR_FN(Grad) {
  auto& a = T(info, 0, "grad");
  HR_TRY return wrapOrNull(info.Env(), a.grad());
  HR_CATCH("grad", &a)
}
HR_FN(Backward) {
  auto& a = T(info, 0, "backward");
  at::Tensor g = OT(info, 1, "backward");
  HR_TRY a.backward(g);
  return info.Env().Undefined();
  HR_CATCH("backward", &a, &g)
}
HR_FN(Detach) {
  auto& a = T(info, 0, "detach");
  HR_TRY return wrap(info.Env(), a.detach());
  HR_CATCH("detach", &a)
}
HR_FN(ZeroGrad) {
  auto& a = T(info, 0, "zeroGrad");
  HR_TRY a.mutable_grad().reset();
  return info.Env().Undefined();
  HR_CATCH("zeroGrad", &a)
}
HR_FN(SetGradEnabled) {
  at::GradMode::set_enabled(B(info, 0));
  return info.Env().Undefined();
}
HR_FN(IsGradEnabled) { return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled()); }

// ---- in-place
HR_FN(Copy_) {
  auto& a = T(info, 0, "copy_");
  auto& b = T(info, 1, "copy_");
  HR_TRY a.copy_(b);
  return info.Env().Undefined();
  HR_CATCH("copy_", &a, &b)
}
HR_FN(Fill_) {
  auto& a = T(info, 0, "fill_");
  HR_TRY a.fill_(S(info, 1));
  return info.Env().Undefined();
  HR_CATCH("fill_", &a)
}
HR_FN(Zero_) {
  auto& a = T(info, 0, "zero_");
  HR_TRY a.zero_();
  return info.Env().Undefined();
  HR_CATCH("zero_", &a)
}
// add_(h, other, alpha)
HR_FN(Add_) {
  auto& a = T(info, 0, "add_");
  auto& b = T(info, 1, "add_");
  HR_TRY a.add_(b, S(info, 2));
  return info.Env().Undefined();
  HR_CATCH("add_", &a, &b)
}
HR_FN(AddScalar_) {
  auto& a = T(info, 0, "add_");
  HR_TRY a.add_(S(info, 1), S(info, 2));
  return info.Env().Undefined();
  HR_CATCH("add_", &a)
}
HR_FN(Mul_) {
  auto& a = T(info, 0, "mul_");
  auto& b = T(info, 1, "mul_");
  HR_TRY a.mul_(b);
  return info.Env().Undefined();
  HR_CATCH("mul_", &a, &b)
}
HR_FN(MulScalar_) {
  auto& a = T(info, 0, "mul_");
  HR_TRY a.mul_(S(info, 1));
  return info.Env().Undefined();
  HR_CATCH("mul_", &a)
}
HR_FN(Uniform_) {
  auto& a = T(info, 0, "uniform_");
  HR_TRY a.uniform_(D(info, 1), D(info, 2));
  return info.Env().Undefined();
  HR_CATCH("uniform_", &a)
}
HR_FN(Normal_) {
  auto& a = T(info, 0, "normal_");
  HR_TRY a.normal_(D(info, 1), D(info, 2));
  return info.Env().Undefined();
  HR_CATCH("normal_", &a)
}

// ---- runtime
HR_FN(ManualSeed) {
  HR_TRY at::manual_seed(static_cast<uint64_t>(I(info, 0)));
  return info.Env().Undefined();
  HR_CATCH("manualSeed")
}
HR_FN(SetNumThreads) {
  HR_TRY at::set_num_threads(static_cast<int>(I(info, 0)));
  return info.Env().Undefined();
  HR_CATCH("setNumThreads")
}
HR_FN(GetNumThreads) { return Napi::Number::New(info.Env(), at::get_num_threads()); }
HR_FN(CudaIsAvailable) {
  bool ok = false;
  try {
    ok = at::hasCUDA() && at::detail::getCUDAHooks().getNumGPUs() > 0;
  } catch (const std::exception&) {
    ok = false;
  }
  return Napi::Boolean::New(info.Env(), ok);
}
HR_FN(CudaDeviceCount) {
  int n = 0;
  try {
    n = at::hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0;
  } catch (const std::exception&) {
    n = 0;
  }
  return Napi::Number::New(info.Env(), n);
}
HR_FN(CudaSynchronize) {
  HR_TRY if (at::hasCUDA()) at::detail::getCUDAHooks().deviceSynchronize(0);
  return info.Env().Undefined();
  HR_CATCH("cudaSynchronize")
}
HR_FN(LiveCount) { return Napi::Number::New(info.Env(), static_cast<double>(g_live)); }
HR_FN(ExternalBytes) { return Napi::Number::New(info.Env(), static_cast<double>(g_external)); }
HR_FN(Version) { return Napi::String::New(info.Env(), TORCH_VERSION); }

}  // namespace

void initCore(Napi::Env env, Napi::Object e) {
#define REG(js, fn) e.Set(js, Napi::Function::New(env, fn, js))
  REG("fromTyped", FromTyped);
  REG("zeros", Zeros);
  REG("ones", Ones);
  REG("full", Full);
  REG("rand", Rand);
  REG("randn", Randn);
  REG("randint", Randint);
  REG("arange", Arange);
  REG("randperm", Randperm);
  REG("eye", Eye);
  REG("toTyped", ToTyped);
  REG("item", Item);
  REG("meta", Meta);
  REG("dispose", Dispose);
  REG("isDisposed", IsDisposed);
  REG("to", To);
  REG("toDevice", ToDevice);
  REG("clone", Clone);
  REG("contiguous", Contiguous);
  REG("requiresGrad", RequiresGrad);
  REG("setRequiresGrad", SetRequiresGrad);
  REG("grad", Grad);
  REG("backward", Backward);
  REG("detach", Detach);
  REG("zeroGrad", ZeroGrad);
  REG("setGradEnabled", SetGradEnabled);
  REG("isGradEnabled", IsGradEnabled);
  REG("copy_", Copy_);
  REG("fill_", Fill_);
  REG("zero_", Zero_);
  REG("add_", Add_);
  REG("addScalar_", AddScalar_);
  REG("mul_", Mul_);
  REG("mulScalar_", MulScalar_);
  REG("uniform_", Uniform_);
  REG("normal_", Normal_);
  REG("manualSeed", ManualSeed);
  REG("setNumThreads", SetNumThreads);
  REG("getNumThreads", GetNumThreads);
  REG("cudaIsAvailable", CudaIsAvailable);
  REG("cudaDeviceCount", CudaDeviceCount);
  REG("cudaSynchronize", CudaSynchronize);
  REG("liveCount", LiveCount);
  REG("externalBytes", ExternalBytes);
  REG("version", Version);
#undef REG
}

// glibc returns large tensor buffers to the OS on free and faults them in again on the next step (about 16k page
// faults per keras-cnn step): raising the mmap/trim thresholds makes training 2.5-3x faster and RSS flat. Users who
// set MALLOC_* themselves keep their settings.
static void tuneAllocator() {
#if defined(__GLIBC__)
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 32 << 20);
  if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

static Napi::Value TrimMemory(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
  return info.Env().Undefined();
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tuneAllocator();
  exports.Set("trimMemory", Napi::Function::New(env, TrimMemory, "trimMemory"));
  initCore(env, exports);
  initOps(env, exports);
  initNN(env, exports);
  return exports;
}

NODE_API_MODULE(headroom_native, Init)
