// The management socket: a second process with the same name is refused instead of silently
// taking the socket over; a socket left by a process that died is replaced.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "runtime/management_server.hpp"

namespace vpngw {
namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/vpngw-mgmt-test.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

TEST(ManagementServer, RefusesASocketAnotherProcessServes) {
  TempDir dir;
  const std::string path = (dir.path / "gw.sock").string();
  boost::asio::io_context io;
  ManagementServer first(io, path);
  first.start();
  ManagementServer second(io, path);
  try {
    second.start();
    FAIL() << "a second server took over a live socket";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("another process is serving"), std::string::npos) << e.what();
  }
  first.stop();
  EXPECT_NO_THROW(second.start());  // gone with its owner: free again
}

TEST(ManagementServer, ReplacesASocketLeftByADeadProcess) {
  TempDir dir;
  const std::string path = (dir.path / "gw.sock").string();
  // What a crashed process leaves: the socket file, nobody listening.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::close(fd);
  ASSERT_TRUE(std::filesystem::exists(path));
  boost::asio::io_context io;
  ManagementServer server(io, path);
  server.add("ping", [](const nlohmann::json&) { return nlohmann::json{{"pong", true}}; });
  EXPECT_NO_THROW(server.start());
}

}  // namespace
}  // namespace vpngw
