# The optional caching allocator addon (allocator.cc): `node-gyp rebuild -C native/alloc`,
# run by native/build.mjs after the kernels addon. It uses V8's C++ API, so unlike the
# kernels addon it is tied to the Node major it was built for; a failed build only means
# tensors use plain typed arrays.
{
  "targets": [
    {
      "target_name": "fluxion_alloc",
      "sources": ["allocator.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-fPIC"],
      "cflags_cc!": ["-std=gnu++17"]
    }
  ]
}
