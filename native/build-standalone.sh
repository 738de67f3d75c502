#!/usr/bin/env bash
# Builds the headroom addon with plain g++ (no node-gyp, no npm): for machines that have libtorch (e.g. a CUDA PyTorch
# wheel) and a node binary but no node toolchain.
#
#   NODE_API_HEADERS   folder with node_api.h (e.g. <node prefix>/include/node)              [required]
#   NODE_ADDON_API     folder with napi.h (node-addon-api)       [default: ../node_modules/node-addon-api]
#   LIBTORCH           a libtorch folder (include/, lib/)                                     [optional]
#   TORCH_CMAKE_PREFIX torch's cmake prefix (torch.utils.cmake_prefix_path, .../torch/share/cmake) [optional]
#   PYTHON             python with torch installed, used when neither of the above is set   [default: python3]
#   HEADROOM_NATIVE_OUT output file                          [default: ../build/Release/headroom_native.node]
#                      (not OUT: that name is common in the caller's environment, e.g. a job's result folder, and
#                      a stray value would send the addon there)
#   JOBS               parallel compiles                                                      [default: nproc]
# Links torch_cuda/c10_cuda when present (with --no-as-needed, so CUDA registers itself at load).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"

: "${NODE_API_HEADERS:?set NODE_API_HEADERS to a folder containing node_api.h}"
[ -f "$NODE_API_HEADERS/node_api.h" ] || { echo "build-standalone: no node_api.h in $NODE_API_HEADERS" >&2; exit 2; }
NODE_ADDON_API="${NODE_ADDON_API:-$root/node_modules/node-addon-api}"
[ -f "$NODE_ADDON_API/napi.h" ] || { echo "build-standalone: no napi.h in $NODE_ADDON_API (set NODE_ADDON_API)" >&2; exit 2; }
out="${HEADROOM_NATIVE_OUT:-$root/build/Release/headroom_native.node}"
JOBS="${JOBS:-$(nproc)}"
CXX="${CXX:-g++}"

abi=""
if [ -n "${LIBTORCH:-}" ]; then
  troot="$LIBTORCH"
elif [ -n "${TORCH_CMAKE_PREFIX:-}" ]; then
  troot="$(cd "$TORCH_CMAKE_PREFIX/../.." && pwd)"
else
  py="${PYTHON:-python3}"
  read -r troot abi < <("$py" -c 'import torch, os; print(os.path.dirname(torch.__file__), int(torch._C._GLIBCXX_USE_CXX11_ABI))') || {
    echo "build-standalone: no libtorch. Set LIBTORCH or TORCH_CMAKE_PREFIX, or install torch for ${py}." >&2
    exit 2
  }
fi
inc="$troot/include"
lib="$troot/lib"
[ -f "$inc/ATen/ATen.h" ] || { echo "build-standalone: $inc/ATen/ATen.h not found" >&2; exit 2; }
if [ -z "$abi" ]; then
  # A prebuilt libtorch folder: the symbols tell which std::string ABI it was built with.
  if nm -D --defined-only "$lib/libc10.so" 2>/dev/null | grep -q __cxx11; then abi=1; else abi=0; fi
fi

libs=(-ltorch -ltorch_cpu -lc10)
cuda=0
if [ -f "$lib/libtorch_cuda.so" ]; then
  libs+=(-ltorch_cuda)
  cuda=1
  [ -f "$lib/libc10_cuda.so" ] && libs+=(-lc10_cuda)
fi

obj="$(mktemp -d)"
trap 'rm -rf "$obj"' EXIT
flags=(-std=c++17 -O2 -fno-math-errno -fPIC -fexceptions -frtti -w
  -DNAPI_CPP_EXCEPTIONS -DNAPI_VERSION=8 -DBUILDING_NODE_EXTENSION -DNODE_GYP_MODULE_NAME=headroom_native
  "-D_GLIBCXX_USE_CXX11_ABI=$abi"
  -I"$NODE_API_HEADERS" -I"$NODE_ADDON_API" -I"$inc" -I"$inc/torch/csrc/api/include")

echo "build-standalone: libtorch $troot (cxx11 abi $abi, cuda $cuda), $JOBS jobs" >&2
pids=()
for src in "$here"/src/*.cc; do
  "$CXX" "${flags[@]}" -c "$src" -o "$obj/$(basename "$src" .cc).o" &
  pids+=($!)
  if [ "${#pids[@]}" -ge "$JOBS" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p"; done

mkdir -p "$(dirname "$out")"
# napi_* symbols resolve against the node binary at load time, so undefined symbols are expected here.
"$CXX" -shared -o "$out" "$obj"/*.o -L"$lib" "-Wl,-rpath,$lib" -Wl,--no-as-needed "${libs[@]}" -Wl,--as-needed
echo "build-standalone: wrote $out" >&2
