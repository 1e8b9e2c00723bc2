# Builds the native kernels addon: `node-gyp rebuild -C native` (see native/build.mjs).
# Each instruction set's kernels (GEMM: gemm_<isa>.cc; elementwise, reductions, im2col,
# pooling, scatter: ewise_<isa>.cc; softmax, cross entropy, batch/group norm:
# fused_<isa>.cc) are a static library compiled with its own -m flags;
# conv.cc schedules convolutions over them; isa.cc picks one at run time, so the addon loads on any x86-64 CPU (and elsewhere with
# the portable kernels only). No system library is needed.
# Pure N-API (node-addon-api): one binary loads on every Node version >= 20 (and Bun,
# Deno). The caching allocator, which needs V8's C++ API, is the separate optional addon in
# alloc/. ISA-specific code is named isa_<tag>/*_<tag>; native/check_isa.mjs checks that
# none of it leaks into portable code.
{
  "target_defaults": {
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "src"],
    "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
    # -fno-trapping-math: JavaScript never reads the floating-point exception flags, so the
    # compiler may evaluate both arms of a select such as leakyRelu's x < 0 ? a * x : x and
    # vectorise it (with trapping math it stays a branch: 40x slower on random signs)
    "cflags_cc": ["-std=c++17", "-O3", "-fPIC", "-fno-math-errno", "-fno-trapping-math", "-fvisibility=hidden"],
    "cflags_cc!": ["-std=gnu++17", "-O2"],
    "conditions": [
      ["target_arch=='x64'", { "defines": ["FLUXION_X86_KERNELS"] }]
    ]
  },
  "targets": [
    {
      "target_name": "fluxion_native",
      "sources": ["src/addon.cc", "src/binding_ewise.cc", "src/bf16_ewise.cc", "src/binding_conv.cc", "src/conv.cc", "src/isa.cc", "src/thread_pool.cc",
                  "src/gemm_portable.cc", "src/ewise_portable.cc",
                  "src/binding_fused.cc", "src/fused_isa.cc", "src/fused_portable.cc",
                  "src/binding_rnn.cc", "src/rnn_cell_portable.cc", "src/random_fill_portable.cc",
                  "src/binding_depthwise.cc", "src/depthwise_portable.cc",  # depthwise convolution
                  "src/binding_fused_program.cc", "src/fused_program_portable.cc",
                  "src/binding_random.cc", "src/sort.cc", "src/scan.cc",
                  "src/gather.cc"],
      "conditions": [
        ["target_arch=='x64'", { "dependencies": ["kernels_avx2", "kernels_avx512", "kernels_avx512bf16", "kernels_amx"] }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        { "target_name": "kernels_avx2", "type": "static_library",
          "sources": ["src/gemm_avx2.cc", "src/ewise_avx2.cc", "src/fused_avx2.cc", "src/rnn_cell_avx2.cc", "src/fused_program_avx2.cc", "src/random_fill_avx2.cc",
                      "src/depthwise_avx2.cc",  # depthwise convolution
                      "src/conv_winograd_avx2.cc"], "cflags_cc": ["-mavx2", "-mfma"] },
        { "target_name": "kernels_avx512", "type": "static_library",
          "sources": ["src/gemm_avx512.cc", "src/ewise_avx512.cc", "src/conv_direct_avx512.cc", "src/conv_winograd_avx512.cc",
                      "src/conv_input_avx512.cc", "src/conv_weight_avx512.cc", "src/conv_winograd_weight_avx512.cc",
                      "src/depthwise_avx512.cc",  # depthwise convolution
                      "src/fused_avx512.cc", "src/rnn_cell_avx512.cc", "src/fused_program_avx512.cc", "src/random_fill_avx512.cc"],
          "cflags_cc": ["-mavx2", "-mfma", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl"] },
        { "target_name": "kernels_avx512bf16", "type": "static_library",
          "sources": ["src/gemm_avx512bf16.cc"],
          "cflags_cc": ["-mavx2", "-mfma", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx512bf16"] },
        { "target_name": "kernels_amx", "type": "static_library",
          "sources": ["src/gemm_amx.cc"],
          "cflags_cc": ["-mavx2", "-mfma", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx512bf16", "-mamx-tile", "-mamx-bf16"] }
      ]
    }]
  ]
}
