#pragma once
// Errors are values in the core: Result<T, E> holds either a value or an
// error (GCC 12 has no std::expected).

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace kontena {

// A user-facing error message.
struct Error {
    std::string message;
};

template <typename T, typename E = Error>
class Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    const T& value() const& { assert(ok()); return std::get<0>(v_); }
    T& value() & { assert(ok()); return std::get<0>(v_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    const E& error() const& { assert(!ok()); return std::get<1>(v_); }
    E& error() & { assert(!ok()); return std::get<1>(v_); }

private:
    std::variant<T, E> v_;
};

}  // namespace kontena
