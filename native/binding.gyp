{
  # libtorch paths come from ../scripts/find-libtorch.mjs (LIBTORCH → python torch → Debian); build-native.mjs resolves
  # them once and passes them down through HEADROOM_LIBTORCH_JSON so these calls do not each start Python.
  "targets": [
    {
      "target_name": "headroom_native",
      "sources": ["src/core.cc", "src/ops.cc", "src/nn.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node ../scripts/find-libtorch.mjs --includes)"
      ],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8", "<!@(node ../scripts/find-libtorch.mjs --defines)"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fno-math-errno", "-fexceptions", "-frtti", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "ldflags": ["<!@(node ../scripts/find-libtorch.mjs --ldflags)"],
      "configurations": {
        "Release": { "cflags!": ["-O3"], "cflags_cc!": ["-O3"], "cflags": ["-O2"], "cflags_cc": ["-O2"] }
      }
    }
  ]
}
