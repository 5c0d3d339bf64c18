// Micro benchmark of the NAT translator on one core:
//   BM_ExistingFlows/N   UDP packets of N established flows, visited in a scattered order
//                        (1M flows do not fit in cache: this is the realistic case).
//   BM_NewFlows          every packet is a new client flow: mapping creation, port choice, both
//                        hash inserts, and expiry recycling the table when it is full.
//   counters: bytes_per_flow is the table's fixed budget at that capacity.
//   build/bench/vpngw_nat_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <array>
#include <cstring>
#include <vector>

#include "common/bytes.hpp"
#include "nat/translator.hpp"

namespace vpngw::nat {
namespace {

constexpr uint32_t kEni = 0x0a00010a;
constexpr size_t kBatch = 64;

// A UDP packet from 172.16.x.y:port to 10.0.1.20:53.
void make_udp(uint8_t* p, uint32_t client, uint16_t port) {
  std::memset(p, 0, 48);
  p[0] = 0x45;
  store_be16(p + 2, 48);
  p[8] = 64;
  p[9] = 17;
  store_be32(p + 12, client);
  store_be32(p + 16, 0x0a000114);
  store_be16(p + 20, port);
  store_be16(p + 22, 53);
  store_be16(p + 24, 28);
  p[26] = 0x12;  // a non-zero checksum, so it is updated too
  p[27] = 0x34;
}

// Flow i: client 172.16.0.0 + i / 16, port 10000 + i % 16 (16 flows per client, as a busy client has).
uint32_t client_of(uint32_t i) { return 0xac100000 + i / 16; }
uint16_t port_of(uint32_t i) { return uint16_t(10000 + i % 16); }

TranslatorConfig config(uint32_t capacity) {
  TranslatorConfig c;
  // One ENI address has 64K ports per protocol: a million flows need a few of them.
  for (uint32_t e = 0; e < 20; ++e) c.eni_addresses.push_back(kEni + e);
  c.inside_address = 0xac100001;
  c.capacity = capacity;
  return c;
}

void BM_ExistingFlows(benchmark::State& state) {
  const uint32_t flows = uint32_t(state.range(0));
  Translator nat(config(flows));
  std::array<std::array<uint8_t, 128>, kBatch> pkts;
  for (uint32_t i = 0; i < flows; ++i) {
    make_udp(pkts[0].data(), client_of(i), port_of(i));
    nat.outbound(pkts[0], 48, uint8_t(i % 20), 1);
  }
  // A multiplicative stride visits every flow in a scattered order.
  uint32_t at = 0;
  const uint32_t stride = 2654435761u % flows | 1;
  uint64_t n = 0;
  for (auto _ : state) {
    for (size_t b = 0; b < kBatch; ++b) {
      at = (at + stride) % flows;
      uint8_t* p = pkts[b].data();
      store_be32(p + 12, client_of(at));
      store_be16(p + 20, port_of(at));
      const Verdict v = nat.outbound(pkts[b], 48, uint8_t(at % 20), 2);
      benchmark::DoNotOptimize(v);
    }
    n += kBatch;
  }
  state.SetItemsProcessed(int64_t(n));
  state.counters["bytes_per_flow"] = double(nat.table().memory_bytes()) / flows;
  if (nat.counters().get(Counter::mappings_created) != flows) state.SkipWithError("flows were not all created once");
}

void BM_NewFlows(benchmark::State& state) {
  const uint32_t capacity = 1 << 20;
  TranslatorConfig cfg = config(capacity);
  cfg.timeouts.udp = 120;
  Translator nat(cfg);
  std::array<std::array<uint8_t, 128>, kBatch> pkts;
  uint32_t i = 0, now = 0;
  uint64_t n = 0;
  for (auto _ : state) {
    for (size_t b = 0; b < kBatch; ++b, ++i) {
      // Every 2^20 flows the clock jumps past the UDP timeout, so the full table recycles expired
      // mappings (the steady state of a busy NAT) instead of refusing.
      if ((i & (capacity - 1)) == 0) now += 121;
      make_udp(pkts[b].data(), 0xac100000 + (i >> 4), uint16_t(10000 + (i & 15)));
      const Verdict v = nat.outbound(pkts[b], 48, uint8_t(i % 20), now);
      benchmark::DoNotOptimize(v);
    }
    n += kBatch;
  }
  state.SetItemsProcessed(int64_t(n));
  state.counters["table_full_drops"] = double(nat.counters().get(Counter::drop_table_full));
}

BENCHMARK(BM_ExistingFlows)->Arg(1000)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_NewFlows);

}  // namespace
}  // namespace vpngw::nat

BENCHMARK_MAIN();
