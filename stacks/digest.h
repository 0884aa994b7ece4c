#pragma once
// Message digests for the string variable option `hexdigest`.

#include <optional>
#include <string>

namespace kontena::stacks {

// Lower-case hex digest of `data` with algorithm md5, sha1, sha256, sha384
// or sha512; nullopt for any other algorithm name.
std::optional<std::string> hexDigest(const std::string& algorithm, const std::string& data);

// Standard base64 (RFC 4648, with padding) and its inverse; decoding
// ignores whitespace and returns nullopt on invalid input.
std::string base64Encode(const std::string& data);
std::optional<std::string> base64Decode(const std::string& text);

}  // namespace kontena::stacks
