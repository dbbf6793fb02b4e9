// Fused CPU kernels for the masked convolutions of ADP-C (anytime dense
// prediction with confidence; Liu, dissertation 2022, Sec. 2.3.4 and 2.4.4).
//
// sparse_conv: a convolution evaluated only at the active output pixels. Per
//   block of active pixels, the receptive fields are gathered from the
//   channels-last input rows into a thread-local buffer that stays in cache,
//   multiplied by the (kh*kw*C, O) weight matrix with oneDNN's batch-reduce
//   GEMM micro-kernel (at::native::cpublas::brgemm) and written straight into
//   their output rows: no im2col matrix, product matrix or scatter pass in
//   memory.
// rbf_fill: Eq. 2.5 at the masked-out rows only, reading their computed
//   neighbours (masked neighbours are 0 and are left out of the bags).
#include <Python.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/native/CPUBlas.h>
#include <torch/library.h>

#include <algorithm>
#include <vector>

namespace {

constexpr int64_t kBlock = 64;    // active pixels per GEMM
constexpr int64_t kColumns = 64;  // output channels per micro-kernel call
constexpr int64_t kDepth = 512;   // reduction length per micro-kernel call
constexpr int64_t kPrefetch = 4;  // pixels ahead whose input rows are prefetched

void check_cpu_float(const at::Tensor& t, const char* name) {
  TORCH_CHECK(t.device().is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous(),
              name, " must be a contiguous float32 CPU tensor");
}

void check_index(const at::Tensor& t, const char* name) {
  TORCH_CHECK(t.device().is_cpu() && t.scalar_type() == at::kLong && t.is_contiguous() &&
                  t.dim() == 1,
              name, " must be a contiguous 1-D int64 CPU tensor");
}

// rows (R, C); in_index (A * T), -1 = outside the image (reads 0); out_index (A);
// weight_matrix (T * C, O); bias (O) or empty. Returns (num_out_rows, O) with the
// active rows written and the others uninitialised.
at::Tensor sparse_conv(const at::Tensor& rows, const at::Tensor& in_index,
                       const at::Tensor& out_index, const at::Tensor& weight_matrix,
                       const std::optional<at::Tensor>& bias, int64_t num_out_rows) {
  check_cpu_float(rows, "rows");
  check_cpu_float(weight_matrix, "weight_matrix");
  check_index(in_index, "in_index");
  check_index(out_index, "out_index");
  const int64_t channels = rows.size(1);
  const int64_t num_active = out_index.size(0);
  const int64_t out_channels = weight_matrix.size(1);
  const int64_t depth = weight_matrix.size(0);
  TORCH_CHECK(depth % channels == 0, "weight_matrix rows must be taps * channels");
  const int64_t taps = depth / channels;
  TORCH_CHECK(in_index.size(0) == num_active * taps, "in_index must hold ", taps,
              " taps per active pixel");
  const float* bias_ptr = nullptr;
  if (bias.has_value() && bias->defined()) {
    check_cpu_float(*bias, "bias");
    TORCH_CHECK(bias->numel() == out_channels, "bias must have ", out_channels, " values");
    bias_ptr = bias->data_ptr<float>();
  }
  at::Tensor out = at::empty({num_out_rows, out_channels}, rows.options());
  if (num_active == 0) return out;
  const float* src = rows.data_ptr<float>();
  const float* weight = weight_matrix.data_ptr<float>();
  const int64_t* in_idx = in_index.data_ptr<int64_t>();
  const int64_t* out_idx = out_index.data_ptr<int64_t>();
  float* dst = out.data_ptr<float>();
  at::parallel_for(0, (num_active + kBlock - 1) / kBlock, 1, [&](int64_t first, int64_t last) {
    std::vector<float> cols(kBlock * depth);
    std::vector<float> product(kBlock * out_channels);
    for (int64_t block = first; block < last; ++block) {
      const int64_t begin = block * kBlock;
      const int64_t count = std::min(kBlock, num_active - begin);
      for (int64_t p = 0; p < count; ++p) {
        float* col = cols.data() + p * depth;
        const int64_t* tap_index = in_idx + (begin + p) * taps;
        if (begin + p + kPrefetch < num_active) {  // random rows: fetch ahead
          const int64_t* ahead = tap_index + kPrefetch * taps;
          for (int64_t t = 0; t < taps; ++t) {
            if (ahead[t] >= 0) __builtin_prefetch(src + ahead[t] * channels);
          }
        }
        for (int64_t t = 0; t < taps;) {
          float* target = col + t * channels;
          if (tap_index[t] < 0) {
            for (int64_t c = 0; c < channels; ++c) target[c] = 0.0f;
            ++t;
            continue;
          }
          // taps on consecutive input pixels (a kernel row) are one contiguous copy
          int64_t run = 1;
          while (t + run < taps && tap_index[t + run] == tap_index[t] + run) ++run;
          const float* value = src + tap_index[t] * channels;
          for (int64_t c = 0; c < run * channels; ++c) target[c] = value[c];
          t += run;
        }
      }
      // Blocks of kDepth x kColumns of the weight stay in L1/L2 across the pixels.
      for (int64_t n0 = 0; n0 < out_channels; n0 += kColumns) {
        const int64_t width = std::min(kColumns, out_channels - n0);
        for (int64_t k0 = 0; k0 < depth; k0 += kDepth) {
          at::native::cpublas::brgemm(count, width, std::min(kDepth, depth - k0), depth,
                                      out_channels, out_channels, k0 > 0, cols.data() + k0,
                                      weight + k0 * out_channels + n0, product.data() + n0);
        }
      }
      for (int64_t p = 0; p < count; ++p) {
        float* target = dst + out_idx[begin + p] * out_channels;
        const float* value = product.data() + p * out_channels;
        if (bias_ptr == nullptr) {
          for (int64_t o = 0; o < out_channels; ++o) target[o] = value[o];
        } else {
          for (int64_t o = 0; o < out_channels; ++o) target[o] = value[o] + bias_ptr[o];
        }
      }
    }
    at::native::cpublas::brgemm_release(false);
  });
  return out;
}

// In place on rows (N * H * W, C): for masked row m, the RBF-weighted sum of its
// computed neighbours neighbours[offsets[m]:offsets[m + 1]] (window taps `taps`,
// weights kernel2d[tap]) divided by denominator[masked[m] % (H * W)].
at::Tensor rbf_fill(at::Tensor rows, const at::Tensor& masked, const at::Tensor& offsets,
                    const at::Tensor& neighbours, const at::Tensor& taps,
                    const at::Tensor& kernel2d, const at::Tensor& denominator) {
  check_cpu_float(rows, "rows");
  check_cpu_float(kernel2d, "kernel2d");
  check_cpu_float(denominator, "denominator");
  check_index(masked, "masked");
  check_index(offsets, "offsets");
  check_index(neighbours, "neighbours");
  check_index(taps, "taps");
  const int64_t num_masked = masked.size(0);
  TORCH_CHECK(offsets.size(0) == num_masked, "offsets must have one entry per masked row");
  const int64_t channels = rows.size(1);
  const int64_t pixels = denominator.numel();
  const int64_t num_entries = neighbours.size(0);
  float* data = rows.data_ptr<float>();
  const int64_t* masked_ptr = masked.data_ptr<int64_t>();
  const int64_t* offset_ptr = offsets.data_ptr<int64_t>();
  const int64_t* neighbour_ptr = neighbours.data_ptr<int64_t>();
  const int64_t* tap_ptr = taps.data_ptr<int64_t>();
  const float* kernel = kernel2d.data_ptr<float>();
  const float* denom = denominator.data_ptr<float>();
  at::parallel_for(0, num_masked, 64, [&](int64_t first, int64_t last) {
    std::vector<float> acc(channels);
    for (int64_t m = first; m < last; ++m) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      const int64_t end = m + 1 < num_masked ? offset_ptr[m + 1] : num_entries;
      for (int64_t e = offset_ptr[m]; e < end; ++e) {
        const float w = kernel[tap_ptr[e]];
        const float* value = data + neighbour_ptr[e] * channels;
        for (int64_t c = 0; c < channels; ++c) acc[c] += w * value[c];
      }
      const float scale = 1.0f / denom[masked_ptr[m] % pixels];
      float* target = data + masked_ptr[m] * channels;
      for (int64_t c = 0; c < channels; ++c) target[c] = acc[c] * scale;
    }
  });
  return rows;
}

}  // namespace

TORCH_LIBRARY(mmvisarch, m) {
  m.def("sparse_conv(Tensor rows, Tensor in_index, Tensor out_index, Tensor weight_matrix, "
        "Tensor? bias, int num_out_rows) -> Tensor");
  m.def("rbf_fill(Tensor(a!) rows, Tensor masked, Tensor offsets, Tensor neighbours, "
        "Tensor taps, Tensor kernel2d, Tensor denominator) -> Tensor(a!)");
}

TORCH_LIBRARY_IMPL(mmvisarch, CPU, m) {
  m.impl("sparse_conv", &sparse_conv);
  m.impl("rbf_fill", &rbf_fill);
}

// Importing mmvisarch._ext registers the operators above (torch.ops.mmvisarch.*).
static struct PyModuleDef ext_module = {PyModuleDef_HEAD_INIT, "_ext", nullptr, -1, nullptr};
PyMODINIT_FUNC PyInit__ext(void) { return PyModule_Create(&ext_module); }
