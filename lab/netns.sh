# Library (source it): removing a lab's namespaces, whatever state they are in (also after a
# crash): every process in them gets SIGTERM, then, 0.3 s later, SIGKILL; then the namespaces and
# their /etc/netns files go. Root.
#
#   netns_remove_prefixed PREFIX        every namespace named PREFIX-*

netns_remove_prefixed() {
  local p=$1 ns pids
  for ns in $(ip netns list | awk '{print $1}' | grep "^$p-"); do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -z "$pids" ] || kill -TERM $pids 2>/dev/null
  done
  sleep 0.3
  for ns in $(ip netns list | awk '{print $1}' | grep "^$p-"); do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "/etc/netns/$ns"
  done
  return 0
} 2>/dev/null
