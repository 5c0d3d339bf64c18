// Micro benchmark: one whole IKEv2 handshake (IKE_SA_INIT + IKE_AUTH with a PSK and the first
// Child SA) between two in-memory IkeSa, per DH group: the control-plane cost of bringing a tunnel
// up, which bounds how fast a lab of many tunnels comes up or recovers.
//   build/bench/vpngw_ike_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "proto/ike/ike_sa.hpp"
#include "proto/ike/tunnel_options.hpp"

namespace vpngw::ike {
namespace {

IkeConfig config(uint32_t group) {
  TunnelOptions o;
  o.pre_shared_key = "Aws_Tunnel1.psk_example";
  o.phase1_encryption = {"AES128-GCM-16"};
  o.phase1_integrity = {"SHA2-256"};
  o.phase1_dh_groups = {group};
  o.phase2_encryption = {"AES128-GCM-16"};
  IkeConfig c;
  c.psk = o.pre_shared_key;
  c.local_id = {id_type::ipv4, {198, 51, 100, 1}};
  c.ike_proposals = ike_proposals(o);
  c.esp_proposals = esp_proposals(o);
  return c;
}

void BM_Handshake(benchmark::State& state) {
  const IkeConfig cfg = config(uint32_t(state.range(0)));
  const IkeSa::Endpoints ep{0xc6336402, 0xc6336401, 500, 500};
  uint64_t spi = 1;
  for (auto _ : state) {
    IkeSa cgw(cfg, ++spi, IkeSa::Role::initiator), aws(cfg, ++spi);
    auto init = aws.handle(cgw.start(ep), ep);
    auto auth = aws.handle(cgw.handle(init.reply, ep).reply, ep);
    auto done = cgw.handle(auth.reply, ep);
    if (!done.child) state.SkipWithError("handshake failed");
    benchmark::DoNotOptimize(done);
  }
  state.SetLabel("DH group " + std::to_string(state.range(0)));
}
BENCHMARK(BM_Handshake)->Arg(14)->Arg(19)->Arg(20)->Arg(31)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vpngw::ike

BENCHMARK_MAIN();
