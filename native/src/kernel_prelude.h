// What every kernel translation unit includes before opening its anonymous namespace and
// pulling in the shared micro-kernel, packing and driver sources (microkernel.inc,
// pack.inc, driver.inc). Only C headers and non-template std functions are used by those
// sources, so nothing compiled under one ISA's flags can be picked up by another (each ISA's
// translation units wrap them in namespace isa_<tag>; native/check_isa.mjs checks the result).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "gemm.h"
#include "thread_pool.h"

// Turns off fused multiply-adds for the rest of the translation unit that writes it (at file
// scope, after its includes): the elementwise kernels and fused programs reproduce
// JavaScript's arithmetic (src/ops/elementwise_table.ts), which rounds every product, and
// compilers would otherwise fuse a * b + c (GCC does by default, C++ dialects included, also
// in vectorised loops). A macro, so the pragma stands in that file, not in this header.
#if defined(__clang__)
#define FLUXION_NO_FP_CONTRACT _Pragma("clang fp contract(off)")
#elif defined(__GNUC__)
#define FLUXION_NO_FP_CONTRACT _Pragma("GCC optimize(\"fp-contract=off\")")
#else
#define FLUXION_NO_FP_CONTRACT
#endif
