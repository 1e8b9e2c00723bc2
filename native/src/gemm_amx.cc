// Placeholder: the AMX-BF16 GEMM kernel is being written.
