// The customer's side of Direct Connect, rendered from the same model AWS's end runs: per link the
// VLAN port's VIFs (`vpngw dx port --vif ...`), and the BGP neighbours a customer router needs,
// either as vpngw's own router file or as a BIRD 2 config (`vpngw dx export-router --vendor bird`),
// because real customers run real routers. The customer's steering tools are inputs: BFD on or
// off, local-preference communities and AS_PATH prepends per VIF, LOCAL_PREF for what AWS sends.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"
#include "dx/dx_config.hpp"
#include "dx/customer_inputs.hpp"
#include "dx/vlan_port.hpp"

namespace vpngw::dx {


// Per link: the VIFs its `vpngw dx port` serves (TAP "c<link>-<vlan>", the customer's address).
std::vector<VlanPortConfig> customer_ports(const DirectConnectConfig& model, const CustomerInputs& in);
// `--vif` arguments of one port.
std::vector<std::string> port_arguments(const VlanPortConfig& port);

// `[[bgp.neighbor]]` tables, one per VIF on the links (appended to a customer gateway's file when
// the same router also runs the VPN).
std::string render_customer_neighbors(const DirectConnectConfig& model, const CustomerInputs& in);
// A whole `vpngw router` file.
std::string render_customer_router(const DirectConnectConfig& model, const CustomerInputs& in);
// A BIRD 2 config for the same sessions: one `protocol bgp` per VIF (MD5, hold and keepalive,
// BFD when asked, communities and prepends in the export filter), learned routes into the kernel.
std::string render_bird(const DirectConnectConfig& model, const CustomerInputs& in);

}  // namespace vpngw::dx
