// Shared plumbing for the headroom addon: the tensor handle, argument unwrapping and error translation.
// Handles are Napi::External<Handle> rather than ObjectWrap instances: creating an External is several times cheaper than
// constructing a wrapped JS object, and per-op overhead is what this layer is judged on. The TS Tensor class owns the handle.
#pragma once

#include <ATen/ATen.h>
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace hr {

struct Handle {
  at::Tensor t;
  int64_t bytes = 0;  // what we told V8 about, so dispose/finalise subtract exactly that
  bool disposed = false;
};

extern int64_t g_live;       // handles alive (not disposed, not finalised)
extern int64_t g_external;   // bytes currently reported to V8

void release(Napi::Env env, Handle* h);
Napi::Value wrap(Napi::Env env, at::Tensor t);
Napi::Value wrapOrNull(Napi::Env env, const at::Tensor& t);
Napi::Value wrapPair(Napi::Env env, std::tuple<at::Tensor, at::Tensor> p);

inline Handle* handleOf(Napi::Env env, napi_value v, const char* op) {
  void* data = nullptr;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == nullptr) {
    throw Napi::TypeError::New(env, std::string(op) + ": expected a tensor");
  }
  return static_cast<Handle*>(data);
}

inline at::Tensor& T(const Napi::CallbackInfo& info, size_t i, const char* op) {
  Handle* h = handleOf(info.Env(), info[i], op);
  if (h->disposed) throw Napi::Error::New(info.Env(), "tensor used after dispose()");
  return h->t;
}

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
