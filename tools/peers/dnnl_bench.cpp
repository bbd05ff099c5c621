// Times one layer in oneDNN (Debian's libdnnl-dev, 2.x API) for tools/peers/bench_peers.py,
// and prints one JSON object on stdout:
//   {"dnnl_version", "impl", "src_fmt", "wei_fmt", "dst_fmt", "dst_dims", "threads",
//    "create_ms", "warmup_runs", "times_ms": [...]}
//
//   dnnl_bench kind=conv n=1 ic=64 ih=56 iw=56 oc=64 kh=3 kw=3 [sh=1 sw=1] [dh=1 dw=1]
//              [pt=0 pl=0 pb=0 pr=0] [g=1] [bias=1] oh=56 ow=56 [repeat=10]
//   dnnl_bench kind=maxpool|avgpool|avgpool_excl n= ic= ih= iw= kh= kw= [sh= sw= dh= dw=
//              pt= pl= pb= pr=] oh= ow= [repeat=]
//   dnnl_bench kind=linear n=1 ic=9216 oc=4096 [bias=1] [repeat=]
//
// fp32, forward_inference, one CPU engine and stream. Convolution (algorithm
// convolution_direct) and inner product take format_tag::any for source, weights and
// destination, so oneDNN picks its preferred (blocked) layouts; pooling takes its source
// in the blocked layout nChw16c (nChw8c without AVX-512) and the destination as any. The
// tensors are filled with seeded random values in plain layout and reordered once into
// those layouts before timing, so the timed runs are the primitive alone, no reorders.
// Dilation and padding are given as PyTorch writes them (d = 1: none; pt/pl: top/left,
// pb/pr: bottom/right); oh/ow must match. Threads: OpenMP (OMP_NUM_THREADS). Warm-up:
// at least warmup_runs runs and warmup_ms ms (defaults 3 and 50); then `repeat` runs,
// each followed by stream::wait and timed alone.
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
using Clock = std::chrono::steady_clock;

namespace {

std::map<std::string, std::string> g_args;

long arg(const char *key, long dflt) {
  auto it = g_args.find(key);
  return it == g_args.end() ? dflt : std::strtol(it->second.c_str(), nullptr, 10);
}

long need(const char *key) {
  if (!g_args.count(key)) throw std::runtime_error(std::string("missing argument ") + key + "=");
  return arg(key, 0);
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// oneDNN-verbose-like name of a blocked layout: dims by decreasing stride, upper case
// when blocked, then the inner blocks (nChw16c is "aBcd16b").
std::string fmt(const memory::desc &md) {
  const dnnl_memory_desc_t &d = md.data;
  if (d.format_kind != dnnl_blocked) return "non-blocked";
  const auto &b = d.format_desc.blocking;
  std::vector<int> order(d.ndims);
  for (int i = 0; i < d.ndims; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](int x, int y) { return b.strides[x] > b.strides[y]; });
  std::string s;
  for (int i : order) {
    bool blocked = false;
    for (int k = 0; k < b.inner_nblks; ++k) blocked |= b.inner_idxs[k] == i;
    s += static_cast<char>((blocked ? 'A' : 'a') + i);
  }
  for (int k = 0; k < b.inner_nblks; ++k)
    s += std::to_string(b.inner_blks[k]) + static_cast<char>('a' + b.inner_idxs[k]);
  return s;
}

// A memory in the primitive's layout `want`, filled through a one-off reorder from a plain
// (`plain`-tagged) buffer of seeded values in [-1, 1).
memory filled(const memory::desc &want, const memory::dims &dims, tag plain, engine &eng, stream &s,
              unsigned seed) {
  memory::desc pmd(dims, dt::f32, plain);
  memory src(pmd, eng);
  float *p = static_cast<float *>(src.get_data_handle());
  size_t n = pmd.get_size() / sizeof(float);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (size_t i = 0; i < n; ++i) p[i] = u(rng);
  memory dst(want, eng);
  reorder(src, dst).execute(s, src, dst);
  s.wait();
  return dst;
}

struct Built {
  primitive prim;
  std::unordered_map<int, memory> args;
  std::string impl, src_fmt, wei_fmt, dst_fmt;
  memory::dims dst_dims;
};

// Records what oneDNN chose for primitive descriptor `pd`: its implementation and the
// layouts of its source, weights (when it has any) and destination.
template <typename PrimitiveDesc> void describe(Built &r, const PrimitiveDesc &pd, bool weights) {
  r.impl = pd.impl_info_str();
  r.src_fmt = fmt(pd.src_desc());
  if (weights) r.wei_fmt = fmt(pd.weights_desc());
  r.dst_fmt = fmt(pd.dst_desc());
  r.dst_dims = pd.dst_desc().dims();
}

Built build(engine &eng, stream &s) {
  const std::string kind = g_args.count("kind") ? g_args["kind"] : "";
  const long n = arg("n", 1);
  Built r;
  if (kind == "conv") {
    const long ic = need("ic"), ih = need("ih"), iw = need("iw"), oc = need("oc");
    const long kh = need("kh"), kw = need("kw"), g = arg("g", 1), oh = need("oh"), ow = need("ow");
    const bool bias = arg("bias", 1) != 0;
    memory::dims src_d = {n, ic, ih, iw}, dst_d = {n, oc, oh, ow}, bias_d = {oc};
    memory::dims wei_d =
        g > 1 ? memory::dims{g, oc / g, ic / g, kh, kw} : memory::dims{oc, ic, kh, kw};
    memory::dims strides = {arg("sh", 1), arg("sw", 1)};
    memory::dims dil = {arg("dh", 1) - 1, arg("dw", 1) - 1}; // oneDNN: 0 = no dilation
    memory::dims pad_l = {arg("pt", 0), arg("pl", 0)}, pad_r = {arg("pb", 0), arg("pr", 0)};
    memory::desc src_md(src_d, dt::f32, tag::any), wei_md(wei_d, dt::f32, tag::any),
        dst_md(dst_d, dt::f32, tag::any), bias_md(bias_d, dt::f32, tag::any);
    auto desc =
        bias
            ? convolution_forward::desc(prop_kind::forward_inference, algorithm::convolution_direct,
                                        src_md, wei_md, bias_md, dst_md, strides, dil, pad_l, pad_r)
            : convolution_forward::desc(prop_kind::forward_inference, algorithm::convolution_direct,
                                        src_md, wei_md, dst_md, strides, dil, pad_l, pad_r);
    convolution_forward::primitive_desc pd(desc, eng);
    r.prim = convolution_forward(pd);
    r.args[DNNL_ARG_SRC] = filled(pd.src_desc(), src_d, tag::nchw, eng, s, 1);
    r.args[DNNL_ARG_WEIGHTS] =
        filled(pd.weights_desc(), wei_d, g > 1 ? tag::goihw : tag::oihw, eng, s, 2);
    if (bias) r.args[DNNL_ARG_BIAS] = filled(pd.bias_desc(), bias_d, tag::x, eng, s, 3);
    r.args[DNNL_ARG_DST] = memory(pd.dst_desc(), eng);
    describe(r, pd, true);
  } else if (kind == "maxpool" || kind == "avgpool" || kind == "avgpool_excl") {
    const long c = need("ic"), ih = need("ih"), iw = need("iw"), oh = need("oh"), ow = need("ow");
    memory::dims src_d = {n, c, ih, iw}, dst_d = {n, c, oh, ow};
    memory::dims kernel = {need("kh"), need("kw")}, strides = {arg("sh", 1), arg("sw", 1)};
    memory::dims dil = {arg("dh", 1) - 1, arg("dw", 1) - 1};
    memory::dims pad_l = {arg("pt", 0), arg("pl", 0)}, pad_r = {arg("pb", 0), arg("pr", 0)};
    const tag blocked = __builtin_cpu_supports("avx512f") ? tag::nChw16c : tag::nChw8c;
    memory::desc src_md(src_d, dt::f32, blocked), dst_md(dst_d, dt::f32, tag::any);
    algorithm alg = kind == "maxpool"   ? algorithm::pooling_max
                    : kind == "avgpool" ? algorithm::pooling_avg_include_padding
                                        : algorithm::pooling_avg_exclude_padding;
    pooling_v2_forward::desc desc(prop_kind::forward_inference, alg, src_md, dst_md, strides,
                                  kernel, dil, pad_l, pad_r);
    pooling_v2_forward::primitive_desc pd(desc, eng);
    r.prim = pooling_v2_forward(pd);
    r.args[DNNL_ARG_SRC] = filled(pd.src_desc(), src_d, tag::nchw, eng, s, 1);
    r.args[DNNL_ARG_DST] = memory(pd.dst_desc(), eng);
    if (pd.workspace_desc().get_size())
      r.args[DNNL_ARG_WORKSPACE] = memory(pd.workspace_desc(), eng);
    describe(r, pd, false);
  } else if (kind == "linear") {
    const long ic = need("ic"), oc = need("oc");
    const bool bias = arg("bias", 1) != 0;
    memory::dims src_d = {n, ic}, wei_d = {oc, ic}, dst_d = {n, oc}, bias_d = {oc};
    memory::desc src_md(src_d, dt::f32, tag::any), wei_md(wei_d, dt::f32, tag::any),
        dst_md(dst_d, dt::f32, tag::any), bias_md(bias_d, dt::f32, tag::any);
    auto desc =
        bias ? inner_product_forward::desc(prop_kind::forward_inference, src_md, wei_md, bias_md,
                                           dst_md)
             : inner_product_forward::desc(prop_kind::forward_inference, src_md, wei_md, dst_md);
    inner_product_forward::primitive_desc pd(desc, eng);
    r.prim = inner_product_forward(pd);
    r.args[DNNL_ARG_SRC] = filled(pd.src_desc(), src_d, tag::nc, eng, s, 1);
    r.args[DNNL_ARG_WEIGHTS] = filled(pd.weights_desc(), wei_d, tag::oi, eng, s, 2);
    if (bias) r.args[DNNL_ARG_BIAS] = filled(pd.bias_desc(), bias_d, tag::x, eng, s, 3);
    r.args[DNNL_ARG_DST] = memory(pd.dst_desc(), eng);
    describe(r, pd, true);
  } else {
    throw std::runtime_error("kind= must be conv, maxpool, avgpool, avgpool_excl or linear");
  }
  return r;
}

} // namespace

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    const char *eq = std::strchr(argv[i], '=');
    if (!eq) {
      std::fprintf(stderr, "dnnl_bench: argument '%s' is not KEY=VALUE\n", argv[i]);
      return 2;
    }
    g_args[std::string(argv[i], static_cast<size_t>(eq - argv[i]))] = eq + 1;
  }
  try {
    engine eng(engine::kind::cpu, 0);
    stream s(eng);
    auto t0 = Clock::now();
    Built b = build(eng, s);
    const double create_ms = ms_since(t0);
    const long repeat = arg("repeat", 10), warmup_runs = arg("warmup_runs", 3);
    const double warmup_ms = static_cast<double>(arg("warmup_ms", 50));
    long runs = 0;
    auto w0 = Clock::now();
    while (runs < warmup_runs || ms_since(w0) < warmup_ms) {
      b.prim.execute(s, b.args);
      s.wait();
      ++runs;
    }
    std::vector<double> times;
    times.reserve(repeat);
    for (long i = 0; i < repeat; ++i) {
      auto r0 = Clock::now();
      b.prim.execute(s, b.args);
      s.wait();
      times.push_back(ms_since(r0));
    }
    const dnnl_version_t *v = dnnl_version();
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    std::printf("{\"dnnl_version\": \"%d.%d.%d\", \"impl\": \"%s\", \"src_fmt\": \"%s\", "
                "\"wei_fmt\": \"%s\", "
                "\"dst_fmt\": \"%s\", \"dst_dims\": [",
                v->major, v->minor, v->patch, b.impl.c_str(), b.src_fmt.c_str(), b.wei_fmt.c_str(),
                b.dst_fmt.c_str());
    for (size_t i = 0; i < b.dst_dims.size(); ++i)
      std::printf("%s%ld", i ? ", " : "", (long)b.dst_dims[i]);
    std::printf("], \"threads\": %d, \"create_ms\": %.3f, \"warmup_runs\": %ld, \"times_ms\": [",
                threads, create_ms, runs);
    for (size_t i = 0; i < times.size(); ++i) std::printf("%s%.6f", i ? ", " : "", times[i]);
    std::printf("]}\n");
  } catch (const dnnl::error &e) {
    std::fprintf(stderr, "dnnl_bench: oneDNN error %d: %s\n", static_cast<int>(e.status), e.what());
    return 1;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "dnnl_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
