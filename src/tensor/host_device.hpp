#pragma once
// EAGER_HD marks functions that both backends compile: __host__ __device__
// when nvcc compiles the including file, nothing for the host compiler. The
// shared math (functors, Philox samplers, the CUDA kernels' per-element
// bodies) uses it, so the host tests can run the very code the GPU runs.
#if defined(__CUDACC__)
#define EAGER_HD __host__ __device__
#else
#define EAGER_HD
#endif
