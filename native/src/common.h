// Shared plumbing for the headroom addon: the tensor slot table, argument unwrapping and error translation.
// A tensor handle on the JS side is a small integer (slot index + generation), not a JS object: creating and reading an
// int costs nothing next to an External or ObjectWrap (each of which needs a weak reference and GC work), and per-op overhead
// is what this layer is judged on. The generation catches stale handles; the TS Tensor owns its handle and its
// FinalizationRegistry backstop (registered only for tensors that live outside scope()).
#pragma once

#include <ATen/ATen.h>
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <string>
#include <vector>

namespace hr {

struct Slot {
  at::Tensor t;
  int64_t bytes = 0;  // what we counted as external memory, so release subtracts exactly that
  uint32_t gen = 0;
  bool live = false;
};

// ids stay within V8's small-integer range: 21 bits of slot, 9 bits of generation.
constexpr uint32_t kSlotBits = 21;
constexpr uint32_t kSlotMask = (1u << kSlotBits) - 1;
constexpr uint32_t kGenMask = 511;

extern std::deque<Slot> g_slots;  // deque: references stay valid while new slots are appended mid-call
extern int64_t g_live;            // live slots
extern int64_t g_external;        // bytes of CPU tensor memory counted as external

Napi::Value wrap(Napi::Env env, at::Tensor t);
Napi::Value wrapOrNull(Napi::Env env, const at::Tensor& t);
Napi::Value wrapPair(Napi::Env env, std::tuple<at::Tensor, at::Tensor> p);
// Frees the slot named by v if it is live; stale or invalid ids are ignored (dispose is idempotent).
bool releaseId(Napi::Env env, napi_value v);

inline Slot& slotOf(napi_env env, napi_value v, const char* op) {
  int32_t id = -1;
  if (napi_get_value_int32(env, v, &id) != napi_ok || id < 0) {
    throw Napi::TypeError::New(env, std::string(op) + ": expected a tensor");
  }
  uint32_t s = static_cast<uint32_t>(id) & kSlotMask;
  uint32_t gen = static_cast<uint32_t>(id) >> kSlotBits;
  if (s >= g_slots.size()) throw Napi::TypeError::New(env, std::string(op) + ": expected a tensor");
  Slot& sl = g_slots[s];
  if (!sl.live || (sl.gen & kGenMask) != gen) throw Napi::Error::New(env, "tensor used after dispose()");
  return sl;
}

inline at::Tensor& T(const Napi::CallbackInfo& info, size_t i, const char* op) { return slotOf(info.Env(), info[i], op).t; }

// Optional tensor argument: null/undefined → undefined at::Tensor (ATen treats it as "none").
inline at::Tensor OT(const Napi::CallbackInfo& info, size_t i, const char* op) {
  napi_value v = info[i];
  napi_valuetype ty;
  napi_typeof(info.Env(), v, &ty);
  if (ty == napi_null || ty == napi_undefined) return at::Tensor();
  return T(info, i, op);
}

inline bool isNullish(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }

inline double D(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
inline int64_t I(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }
inline bool B(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Boolean>().Value(); }

// JS numbers carry no int/float distinction; integral values become integer Scalars so int64 tensors stay int64
// (like a Python int), fractional ones become doubles (like a Python float).
inline at::Scalar S(double v) {
  if (std::nearbyint(v) == v && std::fabs(v) < 9.0e15) return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}
inline at::Scalar S(const Napi::CallbackInfo& info, size_t i) { return S(D(info, i)); }

// A number or an array of numbers → dim/shape list.
std::vector<int64_t> ints(const Napi::Value& v);
at::Tensor tensorAt(Napi::Env env, const Napi::Value& v, const char* op);
std::vector<at::Tensor> tensors(const Napi::CallbackInfo& info, size_t i, const char* op);

at::ScalarType dtypeOf(int64_t code);
int64_t codeOf(at::ScalarType st);
at::Device deviceOf(int64_t code);

std::string describe(const at::Tensor* t);
Napi::Error opError(Napi::Env env, const char* op, std::initializer_list<const at::Tensor*> inputs, const char* what);

}  // namespace hr

// Torch work goes between HR_TRY and HR_CATCH so that every libtorch failure becomes a JS Error naming the op and its inputs.
#define HR_TRY try {
#define HR_CATCH(op, ...)                                                                  \
  }                                                                                        \
  catch (const Napi::Error&) {                                                             \
    throw;                                                                                 \
  }                                                                                        \
  catch (const c10::Error& e) {                                                            \
    throw ::hr::opError(info.Env(), op, {__VA_ARGS__}, e.what_without_backtrace());       \
  }                                                                                        \
  catch (const std::exception& e) {                                                        \
    throw ::hr::opError(info.Env(), op, {__VA_ARGS__}, e.what());                          \
  }

#define HR_FN(name) static Napi::Value name(const Napi::CallbackInfo& info)

void initCore(Napi::Env env, Napi::Object exports);
void initOps(Napi::Env env, Napi::Object exports);
void initNN(Napi::Env env, Napi::Object exports);
