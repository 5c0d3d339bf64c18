#include "apps/clientvpn.hpp"

#include "apps/guarded.hpp"

#include <fstream>
#include <iostream>
#include <memory>

#include "clientvpn/endpoint.hpp"
#include "clientvpn/endpoint_config.hpp"
#include "clientvpn/pki.hpp"

namespace vpngw {
namespace {

struct Options {
  std::string config, stats, socket, dir, name, group, cert, key, out;
  std::vector<std::string> clients;
  bool check = false;
};

}  // namespace

std::function<int()> add_clientvpn_command(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* group = app.add_subcommand("clientvpn", "Client VPN endpoint (OpenVPN protocol, AWS's model)");
  group->require_subcommand(1);
  auto* serve = group->add_subcommand("serve", "run an endpoint: OpenVPN server, client CIDR, ENIs with source NAT");
  serve->add_option("-c,--config", o->config, "endpoint config (TOML), see docs/client-vpn.md")->required();
  serve->add_option("--stats", o->stats, "write counters as JSON to this file every second and at exit");
  serve->add_option("--socket", o->socket, "management socket (default /run/vpngw/<endpoint id>.sock)");
  serve->add_flag("--check", o->check, "validate the config and exit");

  auto* pki_init = group->add_subcommand("pki-init", "make a lab CA, the endpoint's server certificate and an empty CRL");
  pki_init->add_option("-d,--dir", o->dir, "directory for the files")->required();
  pki_init->add_option("-c,--config", o->config, "endpoint config: the server certificate names its DNS name")->required();
  auto* pki_client = group->add_subcommand("pki-client", "issue a client certificate signed by the lab CA");
  pki_client->add_option("-d,--dir", o->dir, "the PKI directory")->required();
  pki_client->add_option("name", o->clients, "client names (certificate CN)")->required();
  pki_client->add_option("--group", o->group, "group for authorization rules (certificate OU)");
  auto* pki_revoke = group->add_subcommand("pki-revoke", "revoke a client certificate (rewrites crl.pem)");
  pki_revoke->add_option("-d,--dir", o->dir, "the PKI directory")->required();
  pki_revoke->add_option("name", o->name, "client name")->required();

  auto* exp = group->add_subcommand("export-client-config", "write the .ovpn a user downloads, certificate and key inline");
  exp->add_option("-c,--config", o->config, "endpoint config (TOML)")->required();
  exp->add_option("--ca", o->dir, "CA certificate (default: the endpoint's [tls] ca)");
  exp->add_option("--cert", o->cert, "the client's certificate (PEM)")->required();
  exp->add_option("--key", o->key, "the client's key (PEM)")->required();
  exp->add_option("-o,--output", o->out, "write here instead of stdout");

  return [=]() -> int {
    if (!group->parsed()) return -1;
    return guarded([&] {
      if (serve->parsed()) {
        auto cfg = load_clientvpn_config(o->config);
        if (o->check) {
          std::cout << o->config << ": ok (" << cfg.dns_name() << ", " << cfg.target_networks.size()
                    << " target network(s), " << cfg.routes.size() << " route(s), " << cfg.authorization_rules.size()
                    << " authorization rule(s))\n";
          return 0;
        }
        ClientVpnEndpoint endpoint(std::move(cfg));
        endpoint.run(o->stats, o->socket);
      } else if (pki_init->parsed()) {
        pki::init(o->dir, load_clientvpn_config(o->config).dns_name());
      } else if (pki_client->parsed()) {
        for (const auto& name : o->clients) pki::issue_client(o->dir, name, o->group);
      } else if (pki_revoke->parsed()) {
        pki::revoke(o->dir, o->name);
      } else if (exp->parsed()) {
        auto cfg = load_clientvpn_config(o->config);
        const std::string text = pki::client_config(cfg, pki::read_file(o->dir.empty() ? cfg.tls.ca : o->dir),
                                                    pki::read_file(o->cert), pki::read_file(o->key));
        if (o->out.empty()) {
          std::cout << text;
        } else {
          std::ofstream f(o->out);
          f << text;
          if (!f) throw std::runtime_error("cannot write " + o->out);
        }
      }
      return 0;
    });
  };
}

}  // namespace vpngw
