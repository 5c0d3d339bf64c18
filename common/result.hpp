// A value or a typed error, for parsers and per-packet functions that must not throw.
// (std::expected arrives with C++23; this is the small subset we need.)
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace vpngw {

template <typename E>
struct Unexpected {
  explicit Unexpected(E e) : error(e) {}
  E error;
};
template <typename E>
Unexpected(E) -> Unexpected<E>;

template <typename T, typename E>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Unexpected<E> e) : v_(std::in_place_index<1>, e.error) {}   // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { assert(ok()); return std::get<0>(v_); }
  const T& value() const { assert(ok()); return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  E error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

}  // namespace vpngw
