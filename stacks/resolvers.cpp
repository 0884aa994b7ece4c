// The `from` resolvers of variables (6.3).
#include <algorithm>
#include <cctype>
#include <iterator>

#include "stacks/arithmetic.h"
#include "stacks/variables.h"

namespace kontena::stacks {

std::optional<std::string> namedCharset(const std::string& name) {
    static const std::string digits = "0123456789";
    static const std::string lowerAlpha = "abcdefghijklmnopqrstuvwxyz";
    static const std::string upperAlpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    if (name == "numbers") return digits;
    if (name == "letters") return lowerAlpha + upperAlpha;
    if (name == "downcase") return lowerAlpha;
    if (name == "upcase") return upperAlpha;
    if (name == "alphanumeric") return digits + lowerAlpha + upperAlpha;
    if (name == "hex") return digits + "abcdef";
    if (name == "hex_upcase") return digits + "ABCDEF";
    if (name == "base64") return upperAlpha + lowerAlpha + digits + "+/";
    if (name == "ascii_printable") {
        std::string s;
        for (char c = 33; c < 127; ++c) s += c;
        return s;
    }
    return std::nullopt;
}

namespace {

constexpr std::int64_t kMaxRandomLength = 4096;

std::string hintText(const ResolverCall& call, const std::string& key, const std::string& fallback) {
    if (call.hint.isMap()) {
        const Value* v = call.hint.get(key);
        return v && !v->isNil() ? v->toText() : fallback;
    }
    return call.hint.isNil() ? fallback : call.hint.toText();
}

std::optional<Value> fromEnv(const ResolverCall& call) {
    const std::string name = call.hint.isString() ? call.hint.asString() : call.def.name;
    auto exported = call.localEnv.find(name);
    if (exported != call.localEnv.end() && !exported->second.isNil()) return Value::string(exported->second.toText());
    if (!call.ctx.environment) return std::nullopt;
    auto v = call.ctx.environment->get(name);
    if (!v) return std::nullopt;
    return Value::string(*v);
}

std::optional<Value> fromFile(const ResolverCall& call, std::string& error) {
    const std::string path = hintText(call, "path", "");
    const Value* ignore = call.hint.isMap() ? call.hint.get("ignore_errors") : nullptr;
    const bool ignoreErrors = ignore && conditionTruthy(*ignore);
    if (path.empty()) {
        error = "file resolver needs a path";
        return std::nullopt;
    }
    std::optional<std::string> text;
    if (call.ctx.files) text = call.ctx.files->read(joinPath(directoryOf(call.ctx.file), path));
    if (!text && !ignoreErrors) error = "cannot read file '" + path + "'";
    if (!text) return std::nullopt;
    return Value::string(*text);
}

std::optional<std::int64_t> hintInt(const Value& hint, const std::string& key) {
    const Value* v = hint.isMap() ? hint.get(key) : nullptr;
    if (!v) return std::nullopt;
    if (v->kind() == Value::Kind::Int) return v->asInt();
    return parseInteger(v->toText());
}

std::optional<Value> randomNumber(const ResolverCall& call, std::string& error) {
    const std::int64_t min = hintInt(call.hint, "min").value_or(0);
    const std::int64_t max = hintInt(call.hint, "max").value_or(100);
    if (max < min) {
        error = "random_number max " + std::to_string(max) + " is below min " + std::to_string(min);
        return std::nullopt;
    }
    const std::uint64_t span = static_cast<std::uint64_t>(max) - static_cast<std::uint64_t>(min);
    const std::uint64_t offset = span == UINT64_MAX ? call.ctx.rng->next() : call.ctx.rng->below(span + 1);
    return Value::integer(static_cast<std::int64_t>(static_cast<std::uint64_t>(min) + offset));
}

std::optional<Value> randomString(const ResolverCall& call, std::string& error) {
    std::int64_t length = 0;
    std::string charsetName = "alphanumeric";
    if (call.hint.isMap()) {
        length = hintInt(call.hint, "length").value_or(0);
        if (const Value* c = call.hint.get("charset")) charsetName = c->toText();
    } else {
        length = call.hint.kind() == Value::Kind::Int ? call.hint.asInt() : parseInteger(call.hint.toText()).value_or(0);
    }
    if (length <= 0 || length > kMaxRandomLength) {
        error = "random_string length must be between 1 and 4096, got " + std::to_string(length);
        return std::nullopt;
    }
    if (charsetName == "base64" && length % 4 != 0) {
        error = "random_string with the base64 charset needs a length that is a multiple of 4";
        return std::nullopt;
    }
    const std::string charset = namedCharset(charsetName).value_or(charsetName);
    if (charset.empty()) {
        error = "random_string charset is empty";
        return std::nullopt;
    }
    std::string out;
    for (std::int64_t i = 0; i < length; ++i) out += charset[call.ctx.rng->below(charset.size())];
    return Value::string(out);
}

Value randomUuid(Rng& rng) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    const std::uint64_t a = rng.next(), b = rng.next();
    for (int i = 0; i < 32; ++i) {
        std::uint64_t word = i < 16 ? a : b;
        int nibble = static_cast<int>((word >> ((i % 16) * 4)) & 15);
        if (i == 12) nibble = 4;                      // version 4
        if (i == 16) nibble = 8 | (nibble & 3);       // RFC 4122 variant
        if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
        out += hex[nibble];
    }
    return Value::string(out);
}

// Replace ${name} (and $name) with the values of other variables.
std::optional<std::string> interpolateHint(const std::string& text, const OtherValue& lookup, std::string& error) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '$') {
            out += text[i];
            continue;
        }
        std::size_t j = i + 1;
        const bool braced = j < text.size() && text[j] == '{';
        if (braced) ++j;
        const std::size_t start = j;
        while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) ++j;
        if (j == start) {
            out += '$';
            continue;
        }
        auto v = lookup(text.substr(start, j - start), error);
        if (!v) return std::nullopt;
        out += v->toText();
        if (braced && j < text.size() && text[j] == '}') ++j;
        i = j - 1;
    }
    return out;
}

std::optional<Value> evaluate(const ResolverCall& call, const OtherValue& lookup, std::string& error) {
    auto expr = interpolateHint(call.hint.toText(), lookup, error);
    if (!expr) return std::nullopt;
    Result<Value> r = evaluateArithmetic(*expr);
    if (!r.ok()) {
        error = r.error().message;
        return std::nullopt;
    }
    return r.value();
}

std::optional<Value> stringList(const std::optional<std::vector<std::string>>& items) {
    if (!items) return std::nullopt;
    Value list = Value::list();
    for (const auto& s : *items) list.push(Value::string(s));
    return list;
}

std::optional<Value> serviceInstances(const ResolverCall& call, ResolverBackend& backend) {
    const std::string target = hintText(call, "service", "");
    const std::size_t slash = target.find('/');
    const std::string stack = slash == std::string::npos ? call.ctx.stackName : target.substr(0, slash);
    const std::string service = slash == std::string::npos ? target : target.substr(slash + 1);
    auto n = backend.serviceInstances(stack, service);
    if (!n) return std::nullopt;
    return Value::integer(*n);
}

std::optional<Value> prompt(const ResolverCall& call, ResolverBackend& backend) {
    PromptRequest req;
    req.variable = call.def.name;
    req.question = hintText(call, "question", call.def.name);
    req.type = toString(call.def.type);
    if (const Value* d = call.def.option("default"); d && !d->isNil()) req.defaultText = d->toText();
    if (const Value* opts = call.def.option("options"); opts && opts->isList()) {
        for (const auto& o : opts->items()) {
            const Value* v = o.isMap() ? o.get("value") : &o;
            if (v) req.options.push_back(v->toText());
        }
    }
    if (const Value* echo = call.def.option("echo")) req.echo = conditionTruthy(*echo);
    auto answer = backend.prompt(req);
    if (!answer) return std::nullopt;
    return Value::string(*answer);
}

std::optional<Value> fromBackend(const ResolverCall& call, std::string& error) {
    ResolverBackend* backend = call.ctx.backend;
    const std::string& r = call.resolver;
    static const char* known[] = {"vault", "service_instances", "service_link", "certificates", "vault_cert_prompt", "prompt"};
    if (std::find(std::begin(known), std::end(known), r) == std::end(known)) {
        error = "unknown resolver '" + r + "'";
        return std::nullopt;
    }
    if (!backend) return std::nullopt;
    if (r == "vault") {
        const std::string secret = hintText(call, "name", call.def.name);
        auto v = backend->vaultRead(secret);
        return v ? std::optional<Value>(Value::string(*v)) : std::nullopt;
    }
    if (r == "service_instances") return serviceInstances(call, *backend);
    if (r == "service_link") {
        ServiceLinkQuery q{call.def.name, hintText(call, "prompt", call.def.name), "", ""};
        if (call.hint.isMap()) {
            q.image = hintText(call, "image", "");
            q.name = hintText(call, "name", "");
        }
        auto v = backend->serviceLink(q);
        return v ? std::optional<Value>(Value::string(*v)) : std::nullopt;
    }
    if (r == "certificates") return stringList(backend->certificates(call.def.name, hintText(call, "prompt", call.def.name)));
    if (r == "vault_cert_prompt") {
        return stringList(backend->vaultCertificates(call.def.name, hintText(call, "prompt", call.def.name)));
    }
    if (r == "prompt") return prompt(call, *backend);
    error = "unknown resolver '" + r + "'";
    return std::nullopt;
}

}  // namespace

std::optional<Value> runResolver(const ResolverCall& call, const OtherValue& lookup, std::string& error) {
    const std::string& r = call.resolver;
    if (r == "env") return fromEnv(call);
    if (r == "file") return fromFile(call, error);
    if (r == "random_number") return randomNumber(call, error);
    if (r == "random_string") return randomString(call, error);
    if (r == "random_uuid") return randomUuid(*call.ctx.rng);
    if (r == "interpolate") {
        auto s = interpolateHint(call.hint.toText(), lookup, error);
        return s ? std::optional<Value>(Value::string(*s)) : std::nullopt;
    }
    if (r == "evaluate") return evaluate(call, lookup, error);
    return fromBackend(call, error);
}

}  // namespace kontena::stacks
