// OpenVPN over TCP: every packet travels behind a 16-bit big-endian length. The endpoint's
// sessions and data-plane workers speak datagrams, so each TCP client gets a relay on the control
// thread: its framed stream becomes datagrams from a loopback UDP socket of its own to the
// endpoint's UDP socket (bound to loopback in TCP mode), and datagrams back become frames. To
// everything behind the relay a TCP client is a UDP client at 127.0.0.1:<relay port>, so sessions,
// keys, authorization and counters are the same code for both transports (at the cost of one
// loopback hop per packet, which TCP's own overhead dwarfs).
#pragma once

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 mode needs std::exchange declared

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace vpngw {

class TcpRelayServer {
 public:
  // `inner` is the endpoint's UDP socket address the relays send to.
  TcpRelayServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& listen,
                 const boost::asio::ip::udp::endpoint& inner);
  ~TcpRelayServer();

  void start();
  void stop();
  // Ends the TCP connection behind a relay address ("127.0.0.1:port"), e.g. after a timeout.
  void close(const std::string& relay_address);
  // The TCP client ("203.0.113.7:51000") behind a relay address, for logs; empty if unknown.
  std::string client_of(const std::string& relay_address) const;
  size_t connections() const { return relays_.size(); }

  // Called when a client's TCP connection ends, with its relay address.
  std::function<void(const std::string& relay_address)> on_closed;

  struct Relay;

 private:
  void accept();
  void remove(const std::string& relay_address);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::udp::endpoint inner_;
  std::map<std::string, std::shared_ptr<Relay>> relays_;
};

}  // namespace vpngw
