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
