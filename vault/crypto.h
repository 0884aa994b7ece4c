#pragma once
// The grid vault's cipher (reference §10): every secret, certificate key and
// registry credential is sealed with XChaCha20-Poly1305 (libsodium's IETF
// AEAD) under the master key, with the record's address (grid, kind, name)
// as associated data, so a sealed value cannot be moved to another record
// or grid, and any change to it is detected. Kontena used unauthenticated
// AES-CBC with one key and IV from the environment; here each value has a
// random 192-bit nonce and names the key version that sealed it, so the
// master key can be rotated by re-sealing records in place.
//
// Key material never leaves this unit except as the caller's own bytes; it
// is wiped from memory when a Keyring dies. Nothing here does I/O: the
// master reads the key file or environment and hands the text in.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "scheduler/result.h"

namespace kontena::vault {

constexpr std::size_t kKeyBytes = 32;

// What a sealed value belongs to; bound into the ciphertext.
enum class RecordKind { Secret, Certificate, Registry, Canary };
struct Address {
    std::string grid;
    RecordKind kind = RecordKind::Secret;
    std::string name;
};

// The master keys by version; the highest version seals, every version
// opens. Move-only; key bytes are wiped on destruction.
class Keyring {
public:
    Keyring() = default;
    Keyring(const Keyring&) = delete;
    Keyring& operator=(const Keyring&) = delete;
    Keyring(Keyring&&) noexcept;
    Keyring& operator=(Keyring&&) noexcept;
    ~Keyring();

    // Parses the key file's text: one key per line, `VERSION:BASE64` where
    // VERSION is 1..2^31 and BASE64 decodes to exactly 32 bytes; blank lines
    // and lines starting with '#' are ignored; a version may appear once.
    // Errors name the line ("line 2: ...") and never echo key material.
    static Result<Keyring> parse(std::string_view text);
    // A new random key, as a key-file line for `version`.
    static std::string generateLine(std::uint32_t version);

    bool empty() const { return keys_.empty(); }
    std::uint32_t currentVersion() const;   // 0 when empty
    bool has(std::uint32_t version) const { return keys_.count(version) != 0; }

private:
    friend class Cipher;
    std::map<std::uint32_t, std::array<unsigned char, kKeyBytes>> keys_;
};

// Seals and opens values with a keyring. Sealed text is
// `kv1.<version>.<base64 nonce>.<base64 ciphertext+tag>`: printable, safe in
// SQL and JSON, and never containing the plaintext.
class Cipher {
public:
    explicit Cipher(const Keyring& keys) : keys_(keys) {}

    // Seals `plaintext` for `at` with the current key. The keyring must not be empty.
    std::string seal(const Address& at, std::string_view plaintext) const;
    // Opens a sealed value of `at`. Errors: malformed text, a key version
    // the keyring lacks, or authentication failure (wrong key, another
    // record's value, tampering). The message never includes the value.
    Result<std::string> open(const Address& at, std::string_view sealed) const;
    // The key version a sealed text names (0 if malformed).
    static std::uint32_t versionOf(std::string_view sealed);
    // Re-seals with the current key when `sealed` used an older one
    // (rotation); returns the same text when already current.
    Result<std::string> reseal(const Address& at, std::string_view sealed) const;

    // A canary per grid proves at start-up that the configured keyring is
    // the one the store was written with: seal it once, check it on start.
    std::string sealCanary(const std::string& grid) const;
    bool canaryOpens(const std::string& grid, std::string_view sealed) const;

private:
    const Keyring& keys_;
};

}  // namespace kontena::vault
