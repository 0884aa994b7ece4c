#include "stacks/sources.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace kontena::stacks {

std::optional<std::string> DiskFiles::read(const std::string& path) {
    constexpr std::streamoff kMaxFile = 16 << 20;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0 || size > kMaxFile) return std::nullopt;
    in.seekg(0, std::ios::beg);
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return buf.str();
}

std::optional<std::string> ProcessEnvironment::get(const std::string& name) const {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
}

std::optional<std::string> MapEnvironment::get(const std::string& name) const {
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    return it->second;
}

std::string directoryOf(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::string joinPath(const std::string& dir, const std::string& name) {
    if (name.empty() || name.front() == '/' || dir.empty() || dir == ".") return name;
    return dir + "/" + name;
}

}  // namespace kontena::stacks
