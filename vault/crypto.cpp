#include "vault/crypto.h"

#include <sodium.h>

#include <cassert>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace kontena::vault {

namespace {

constexpr std::string_view kPrefix = "kv1.";
constexpr std::string_view kCanaryText = "kontena vault canary";
constexpr int kB64 = sodium_base64_VARIANT_ORIGINAL;

void ensureSodium() {
    // sodium_init is idempotent and thread-safe; -1 means no usable RNG.
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not initialise");
}

const char* kindName(RecordKind k) {
    switch (k) {
    case RecordKind::Secret: return "secret";
    case RecordKind::Certificate: return "certificate";
    case RecordKind::Registry: return "registry";
    case RecordKind::Canary: return "canary";
    }
    return "secret";
}

// Associated data: version tag, grid, kind and name, NUL-separated so no
// two addresses give the same bytes (names cannot contain NUL).
std::string associatedData(const Address& at) {
    std::string ad = "kontena-vault/1";
    ad.push_back('\0');
    ad += at.grid;
    ad.push_back('\0');
    ad += kindName(at.kind);
    ad.push_back('\0');
    ad += at.name;
    return ad;
}

std::string toBase64(const unsigned char* data, std::size_t n) {
    std::string out(sodium_base64_encoded_len(n, kB64), '\0');
    sodium_bin2base64(out.data(), out.size(), data, n, kB64);
    out.resize(out.size() - 1);   // the encoder's NUL terminator
    return out;
}

bool fromBase64(std::string_view text, std::vector<unsigned char>& out) {
    out.assign(text.size(), 0);
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end, kB64) != 0) return false;
    if (end != text.data() + text.size()) return false;
    out.resize(len);
    // Canonical only: a last character whose unused bits differ decodes to
    // the same bytes, and a sealed text must have exactly one spelling.
    return toBase64(out.data(), out.size()) == text;
}

bool parseVersion(std::string_view s, std::uint32_t& v) {
    if (s.empty() || s.size() > 10 || s.front() == '0') return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size() && v >= 1 && v <= 0x7fffffffu;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

struct Parts {
    std::uint32_t version = 0;
    std::vector<unsigned char> nonce, box;
};

// kv1.<version>.<nonce>.<box>
Result<Parts> split(std::string_view sealed) {
    const Error malformed{"the sealed value is malformed"};
    if (sealed.substr(0, kPrefix.size()) != kPrefix) return malformed;
    sealed.remove_prefix(kPrefix.size());
    const auto dot1 = sealed.find('.');
    if (dot1 == std::string_view::npos) return malformed;
    const auto dot2 = sealed.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos) return malformed;
    Parts p;
    if (!parseVersion(sealed.substr(0, dot1), p.version)) return malformed;
    if (!fromBase64(sealed.substr(dot1 + 1, dot2 - dot1 - 1), p.nonce)) return malformed;
    if (!fromBase64(sealed.substr(dot2 + 1), p.box)) return malformed;
    if (p.nonce.size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES) return malformed;
    if (p.box.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) return malformed;
    return p;
}

}  // namespace

// ------------------------------------------------------------------ Keyring

Keyring::Keyring(Keyring&& o) noexcept : keys_(std::move(o.keys_)) { o.keys_.clear(); }

Keyring& Keyring::operator=(Keyring&& o) noexcept {
    if (this != &o) {
        for (auto& [v, k] : keys_) sodium_memzero(k.data(), k.size());
        keys_ = std::move(o.keys_);
        o.keys_.clear();
    }
    return *this;
}

Keyring::~Keyring() {
    for (auto& [v, k] : keys_) sodium_memzero(k.data(), k.size());
}

Result<Keyring> Keyring::parse(std::string_view text) {
    ensureSodium();
    Keyring ring;
    int lineNo = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++lineNo;
        if (line.empty() || line.front() == '#') continue;
        const std::string where = "line " + std::to_string(lineNo) + ": ";
        const auto colon = line.find(':');
        std::uint32_t version = 0;
        if (colon == std::string_view::npos || !parseVersion(line.substr(0, colon), version)) {
            return Error{where + "expected VERSION:BASE64KEY with a version from 1"};
        }
        if (ring.keys_.count(version)) return Error{where + "key version " + std::to_string(version) + " appears twice"};
        std::vector<unsigned char> bytes;
        const bool decoded = fromBase64(trim(line.substr(colon + 1)), bytes);
        const bool sized = decoded && bytes.size() == kKeyBytes;
        auto& key = ring.keys_[version];
        if (sized) std::copy(bytes.begin(), bytes.end(), key.begin());
        sodium_memzero(bytes.data(), bytes.size());
        if (!sized) return Error{where + "the key must be 32 bytes in base64 (generate one with kontena-master --generate-vault-key)"};
    }
    if (ring.keys_.empty()) return Error{"the vault key file holds no key"};
    return ring;
}

std::string Keyring::generateLine(std::uint32_t version) {
    ensureSodium();
    std::array<unsigned char, kKeyBytes> key{};
    crypto_aead_xchacha20poly1305_ietf_keygen(key.data());
    std::string line = std::to_string(version) + ":" + toBase64(key.data(), key.size());
    sodium_memzero(key.data(), key.size());
    return line;
}

std::uint32_t Keyring::currentVersion() const { return keys_.empty() ? 0 : keys_.rbegin()->first; }

// ------------------------------------------------------------------- Cipher

std::string Cipher::seal(const Address& at, std::string_view plaintext) const {
    ensureSodium();
    assert(!keys_.empty());
    const std::uint32_t version = keys_.currentVersion();
    const auto& key = keys_.keys_.at(version);
    std::array<unsigned char, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce{};
    randombytes_buf(nonce.data(), nonce.size());
    const std::string ad = associatedData(at);
    std::vector<unsigned char> box(plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    unsigned long long boxLen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(box.data(), &boxLen, reinterpret_cast<const unsigned char*>(plaintext.data()),
                                               plaintext.size(), reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
                                               nullptr, nonce.data(), key.data());
    return std::string(kPrefix) + std::to_string(version) + "." + toBase64(nonce.data(), nonce.size()) + "." +
           toBase64(box.data(), static_cast<std::size_t>(boxLen));
}

Result<std::string> Cipher::open(const Address& at, std::string_view sealed) const {
    ensureSodium();
    auto parts = split(sealed);
    if (!parts) return parts.error();
    const Parts& p = parts.value();
    auto it = keys_.keys_.find(p.version);
    if (it == keys_.keys_.end()) {
        return Error{"sealed with key version " + std::to_string(p.version) + ", which the vault key file does not hold"};
    }
    const std::string ad = associatedData(at);
    std::string plain(p.box.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
    unsigned long long plainLen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &plainLen, nullptr,
                                                   p.box.data(), p.box.size(), reinterpret_cast<const unsigned char*>(ad.data()),
                                                   ad.size(), p.nonce.data(), it->second.data()) != 0) {
        return Error{"the value does not authenticate with key version " + std::to_string(p.version) +
                     ": a wrong master key, or a record that was altered or moved"};
    }
    plain.resize(static_cast<std::size_t>(plainLen));
    return plain;
}

std::uint32_t Cipher::versionOf(std::string_view sealed) {
    auto parts = split(sealed);
    return parts ? parts.value().version : 0;
}

Result<std::string> Cipher::reseal(const Address& at, std::string_view sealed) const {
    if (versionOf(sealed) == keys_.currentVersion()) {
        auto check = open(at, sealed);
        if (!check) return check.error();
        sodium_memzero(check.value().data(), check.value().size());
        return std::string(sealed);
    }
    auto plain = open(at, sealed);
    if (!plain) return plain.error();
    std::string out = seal(at, plain.value());
    sodium_memzero(plain.value().data(), plain.value().size());
    return out;
}

std::string Cipher::sealCanary(const std::string& grid) const { return seal(Address{grid, RecordKind::Canary, "canary"}, kCanaryText); }

bool Cipher::canaryOpens(const std::string& grid, std::string_view sealed) const {
    auto plain = open(Address{grid, RecordKind::Canary, "canary"}, sealed);
    return plain && plain.value() == kCanaryText;
}

}  // namespace kontena::vault
